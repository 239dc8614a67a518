"""qualframe: Kazakhstan's ICT Sectoral Qualification Framework (order No. 769, 2013) as exact data.

    >>> import qualframe
    >>> fw = qualframe.load()
    >>> fw.area("3.1").rows_at(6)[1].sqf_level
    '62'
"""

from qualframe.dataset import DEFAULT_FRAMEWORK_ID, load, source_lines
from qualframe.model import (
    COLUMNS,
    Area,
    Descriptor,
    Erratum,
    Framework,
    LevelRow,
    OkedCode,
    SourceSpan,
    Statement,
    lookup_oked,
)

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "DEFAULT_FRAMEWORK_ID",
    "Area",
    "Descriptor",
    "Erratum",
    "Framework",
    "LevelRow",
    "OkedCode",
    "SourceSpan",
    "Statement",
    "__version__",
    "load",
    "lookup_oked",
    "source_lines",
]

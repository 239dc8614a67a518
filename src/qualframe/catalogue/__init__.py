"""An employer's job catalogue on the framework: the domain rules, free of web and database code.

* `grades`: the order of an organisation's grades, grade inversions and disagreement flags;
* `placement`: what a placement stores of a match suggestion, the text a position is placed by;
* `careers`: the next steps from a level row, and a position's ladder in its own catalogue;
* `selfassess`: a specialist's self-assessment against the descriptors of rows (fit, best row, gap).
* `handoff`: handing a self-assessment to a recognition centre (contact, consent, states, summary).

Reading and writing the catalogue files is a format and lives in `qualframe.interop.catalogue_io`.
"""

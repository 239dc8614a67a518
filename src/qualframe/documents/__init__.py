"""Printable documents: HTML+CSS to PDF and QR codes, shared by every capability that hands people a file.

- `pdf`: WeasyPrint rendering with the shipped DejaVu Sans fonts (Kazakh and Russian letters), a URL fetcher
  that reads only the shipped fonts (never the network), embedded files, and size limits;
- `qr`: QR codes (segno) as inline SVG or a PNG data URI.

Pure engine layer: no web framework, no database. Rendering is CPU-heavy and synchronous: web callers run it
through the app's admission limiter.
"""

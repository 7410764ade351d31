"""Exports a buyer hands to a dialer or an ad platform, and Consent Control suppression files read in.

* :mod:`~desktop_app.exports.results`: the results CSV, checked leads with every vendor's answer;
* :mod:`~desktop_app.exports.suppression`: suppression lists, and suppression files added to the local list;
* :mod:`~desktop_app.exports.cells`: what every export shares (formula neutralising, whole-file writes, the
  evidence-log entry with the file's SHA-256).
"""

from desktop_app.exports.cells import E164_SAFE, FORMULA_STARTS, neutralise
from desktop_app.exports.results import write_results_csv
from desktop_app.exports.suppression import (
    DEFAULT_INCLUDE,
    FORMATS,
    SOURCES,
    SuppressionImport,
    collect_suppression,
    import_suppression_file,
    parse_include,
    write_suppression,
)

__all__ = [
    "DEFAULT_INCLUDE",
    "E164_SAFE",
    "FORMATS",
    "FORMULA_STARTS",
    "SOURCES",
    "SuppressionImport",
    "collect_suppression",
    "import_suppression_file",
    "neutralise",
    "parse_include",
    "write_results_csv",
    "write_suppression",
]

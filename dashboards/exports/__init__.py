"""The monthly Excel board pack (openpyxl): what finance takes to the governing body.

By concern: `inputs` (the plain rows every sheet reads), `reading` (reading them through the selectors, from the
month's month-end report where there is one), `formats` (number formats and what every sheet shares), one module
per group of sheets (`summary`, `schemes`: schemes and the monthly tracker, `finance`: budget variance and
financial risks, `registers`: the risk register, its heat map and the improvement plan) and `workbook` (the sheets
in order). Import from here.
"""

from dashboards.exports.inputs import PackInputs
from dashboards.exports.reading import pack_inputs
from dashboards.exports.workbook import SHEETS, board_pack

__all__ = ["SHEETS", "PackInputs", "board_pack", "pack_inputs"]

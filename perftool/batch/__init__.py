"""The batch: a folder of submissions scored in worker processes (run.py), each a row of the summary (row.py)
with its projects (projects.py), and the 汇总表 workbook (summary.py, projects_sheet.py)."""

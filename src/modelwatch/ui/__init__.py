"""ui: the HTML report of a monitoring execution (and, later, the dashboard that embeds it)."""

from modelwatch.ui.report import ReportData, render_execution, render_report_page, report_css, report_js

__all__ = ["ReportData", "render_execution", "render_report_page", "report_css", "report_js"]

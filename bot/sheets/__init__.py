"""Spreadsheets in and out: `dealbot import` / `/导入` and `dealbot export` / `/导出`."""

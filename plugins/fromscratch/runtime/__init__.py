"""The in-browser AI runtime: fetch the model, embed corpora, stage files, widget shortcode.

Each module has one job; `plugin.py` calls them from the build events.
"""

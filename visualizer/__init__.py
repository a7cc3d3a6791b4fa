"""The visual debugger for aino traces (arrives with the tracing hooks; needs the `viz` extra)."""

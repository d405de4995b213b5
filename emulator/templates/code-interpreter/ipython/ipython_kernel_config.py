# IPython kernel settings of the code-interpreter-v1 template (the two E2B's profile sets):
# tracebacks without ANSI colours, and no truncation of long sequences in text/plain.
c = get_config()  # noqa: F821
c.InteractiveShell.colors = "NoColor"
c.PlainTextFormatter.max_seq_length = 0

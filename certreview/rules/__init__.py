"""Pure domain rules: plain values in and out, no database, files or images."""

"""Alert rules: the YAML schema operators write, loading with located errors, and evaluation."""

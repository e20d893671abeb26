"""Cell checks (inputs, formulas typed over, stored results) and coercion: the exact finding per case."""

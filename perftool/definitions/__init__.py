"""Table definitions (templates/tables) and rule sets (templates/rules): loading, layout and references."""

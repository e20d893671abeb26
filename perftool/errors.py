"""Errors perftool reports to its users, with Chinese messages that say what is wrong and where."""


class PerftoolError(Exception):
    """A problem the user can act on; ``str()`` is the Chinese message shown on the command line."""


class DefinitionError(PerftoolError):
    """A table definition or rule set in ``templates/`` is malformed."""


class UsageError(PerftoolError):
    """The command was asked for something that does not exist (year, table, option value)."""

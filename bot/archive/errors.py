"""Errors of the archive layer; their messages are written for the person who ran the command."""


class ArchiveError(Exception):
    """The archive could not be loaded; the message names the problem."""


class ArchiveFormatError(ArchiveError):
    """The text is not a page this parser can read."""


class StorageError(ArchiveError):
    """The database cannot be written where it is configured to go (a folder, no space, ...)."""

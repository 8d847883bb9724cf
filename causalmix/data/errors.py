"""Errors raised for bad datasets and bad split requests."""


class DatasetError(ValueError):
    """A dataset cannot be found, loaded or used as asked; the message names it and the problem."""

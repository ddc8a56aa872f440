"""The instance operations' public API under the module name service/web still imports
(`from service.operations import use_cases`); the API imports the package. The code lives by concern in
the package's modules (see service/operations/__init__.py); this module only names them, and goes once
the pages import the package too."""

from service.operations import (
    OPERATIONS,
    REASSIGN,
    RESUME,
    RETRY,
    STATUS_FILTERS,
    SUSPEND,
    VARIABLES,
    WITHDRAW,
    Available,
    available,
    correct_variable,
    list_instances,
    may,
    reassign,
    resume,
    retry,
    suspend,
    withdraw,
)

__all__ = [
    "OPERATIONS",
    "REASSIGN",
    "RESUME",
    "RETRY",
    "STATUS_FILTERS",
    "SUSPEND",
    "VARIABLES",
    "WITHDRAW",
    "Available",
    "available",
    "correct_variable",
    "list_instances",
    "may",
    "reassign",
    "resume",
    "retry",
    "suspend",
    "withdraw",
]

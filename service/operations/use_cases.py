"""The instance operations' public API (service/operations/__init__.py) under the module name the pages
still import (`from service.operations import use_cases`); the API imports the package. The code lives by
concern in the package's modules; this module only names them again, and goes once the pages import the
package too."""

from service.operations import *  # noqa: F403 - the package's __all__, nothing else
from service.operations import __all__  # noqa: F401

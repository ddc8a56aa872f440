"""资料归档 (Y3a7, Y3b5): the electronic archive package of an item or a campaign.

use_cases.on_step_saved   step subscriber: completing 销号归档 / 资料归档 builds and stores the package
use_cases.describe        the archive and its manifest, checked now (verified, problems)
use_cases.open_package    the .zip, only when it still matches its sha256 and its manifest
package.build, problems   the pure zip + manifest.json, and the check of a package against its manifest
"""

from service.archives import package, use_cases

__all__ = ["package", "use_cases"]

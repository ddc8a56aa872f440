"""Every SQL statement of the service, one module per area, each a repository over the unit of work's
session (`base.Repository`). The unit of work (service.db.session) carries them as typed attributes."""

"""What the REST API and the pages share: who is calling (token or browser session, CSRF), the one error
handler that answers JSON or a page, request bounds, security headers, sessions and cookies, safe
redirects, paging and file responses. `service.api` and `service.web` hold only their blueprints,
schemas, templates and static files on top of this.
"""

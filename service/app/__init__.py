"""The application: composition root of the domains (state, start-up, app factory, CLI,
workers). Nothing below it imports it."""

from service.app.wiring import wire_domains

wire_domains()

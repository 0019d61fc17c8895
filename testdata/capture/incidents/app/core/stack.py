"""A Django-style middleware chain around the URL dispatcher.

Each layer is wrapped the way django.core.handlers.exception wraps it, so a
stack dump of a request shows the two frames per layer (inner, __call__)
that real Django stacks show. The layers do little: they stand for the
session, CSRF and authentication middleware of a typical app.
"""

from core.http import json_response


def convert_exception_to_response(get_response):
    def inner(req):
        try:
            return get_response(req)
        except ValueError:
            return json_response("400 Bad Request", {"error": "bad request"})

    return inner


class Middleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, req):
        self.process_request(req)
        return self.get_response(req)

    def process_request(self, req):
        pass


class SecurityMiddleware(Middleware):
    pass


class SessionMiddleware(Middleware):
    def process_request(self, req):
        req.session = {}


class CsrfViewMiddleware(Middleware):
    pass


class AuthenticationMiddleware(Middleware):
    def process_request(self, req):
        req.user = "anonymous"


class TenantMiddleware(Middleware):
    def process_request(self, req):
        req.tenant = "default"


# Outermost first, as in Django's MIDDLEWARE setting.
MIDDLEWARE = [
    SecurityMiddleware,
    SessionMiddleware,
    CsrfViewMiddleware,
    AuthenticationMiddleware,
    TenantMiddleware,
]


def build(view_dispatch):
    handler = convert_exception_to_response(view_dispatch)
    for cls in reversed(MIDDLEWARE):
        handler = convert_exception_to_response(cls(handler))
    return handler

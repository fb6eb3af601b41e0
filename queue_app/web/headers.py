"""Security headers on every response: what a page may load (Content-Security-Policy: only this site's
own scripts, no framing), no MIME sniffing, no full URL in the Referer, and HSTS once served over HTTPS.
Written by hand in one place: the policy is a handful of fixed strings, and a library (flask-talisman)
would also redirect to HTTPS, which a hall's LAN devices on plain HTTP cannot follow."""

from __future__ import annotations

from flask import Flask, Response, request

# The pages load scripts, styles, fonts, voice clips and images from this site only; the hall screens'
# and consoles' live updates are a websocket to this site. Inline <style> blocks carry the packaged font
# (`'unsafe-inline'` for styles only); JSON data islands are not scripts and need nothing.
POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def secure_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

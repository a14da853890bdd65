"""The public seller page: plain server-rendered HTML, no scripts, no external assets.

Every substituted value is HTML-escaped except the two SVGs, which this service renders itself.
The Content-Security-Policy allows nothing but this page's own <style> (by hash) and forms
posting back to this origin.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from importlib import resources
from string import Template

STYLE = (
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;"
    "background:#fafafa}main{max-width:34rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem;word-break:break-all}h2{font-size:1.1rem;margin-top:1.6rem}"
    "section{background:#fff;border:1px solid #ddd;border-radius:8px;padding:0 1rem 1rem;"
    "margin-bottom:1rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem}"
    "dt{color:#555}dd{margin:0;font-weight:600}.tier-warning{color:#c0392b}"
    "label,legend{display:block;margin:.6rem 0 .2rem}fieldset{border:0;padding:0;margin:0}"
    "input[name=token],select,textarea{width:100%;box-sizing:border-box;font:inherit;"
    "padding:.5rem}button{margin-top:.8rem;font:inherit;padding:.6rem 1.2rem;border-radius:6px;"
    "border:1px solid #333;background:#333;color:#fff}.qr svg{width:12rem;height:auto}"
    ".small{font-size:.8rem;color:#555;word-break:break-all}.ok{color:#1b5e20}"
    ".bad{color:#b71c1c}.notice{background:#e8f5e9;padding:.6rem;border-radius:6px}"
    ".reasons{padding-left:1.2rem;color:#333}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_TEMPLATE = Template(resources.files("service.badges").joinpath("templates/seller_page.html").read_text("utf-8"))


@dataclass(frozen=True)
class TokenCheck:
    valid: bool
    headline: str  # e.g. "Valid badge" / "Expired badge"
    details: list[str]


@dataclass(frozen=True)
class SellerPageView:
    seller_id: str
    tier: str
    score: str
    feedback_count: int
    last_feedback: str
    reasons: list[str]
    badge_svg: str
    qr_svg: str
    page_path: str
    page_url: str
    report_path: str
    csrf_token: str
    token_value: str = ""
    check: TokenCheck | None = None
    notice: str | None = None


def humanize_age(days: float | None) -> str:
    if days is None:
        return "no feedback yet"
    if days < 1:
        return "today"
    if days < 60:
        return f"{days:.0f} day{'s' if round(days) != 1 else ''} ago"
    if days < 730:
        return f"{days / 30.4:.0f} months ago"
    return f"{days / 365.25:.0f} years ago"


def _verification_html(check: TokenCheck | None) -> str:
    if check is None:
        return ""
    css = "ok" if check.valid else "bad"
    items = "".join(f"<li>{html.escape(d)}</li>" for d in check.details)
    return f'<p class="{css}"><strong>{html.escape(check.headline)}</strong></p><ul>{items}</ul>'


def render_seller_page(view: SellerPageView) -> str:
    e = html.escape
    notice = f'<p class="notice" role="status">{e(view.notice)}</p>' if view.notice else ""
    return _TEMPLATE.substitute(
        style=STYLE,
        seller_id=e(view.seller_id),
        tier=e(view.tier),
        score=e(view.score),
        feedback_count=view.feedback_count,
        last_feedback=e(view.last_feedback),
        reasons="".join(f"<li>{e(r)}</li>" for r in view.reasons),
        badge_svg=view.badge_svg,
        qr_svg=view.qr_svg,
        page_path=e(view.page_path),
        page_url=e(view.page_url),
        report_path=e(view.report_path),
        csrf_token=e(view.csrf_token),
        token_value=e(view.token_value),
        verification=_verification_html(view.check),
        notice=notice,
    )

"""Machine-translation providers behind one small interface, chosen by settings.

``provider_from_settings()`` returns ``None`` unless ``DESK_MT_PROVIDER`` names one:

* ``deepl``: DeepL through its official client (``deepl``), key ``DESK_MT_DEEPL_KEY``;
  ``DESK_MT_URL`` optionally points the client at another server (the tests' fake one).
  The desk's glossary terms found in the text are sent as a DeepL glossary, made for the
  request and deleted after it.
* ``libretranslate``: a LibreTranslate server at ``DESK_MT_URL`` over its JSON API
  (``POST /translate`` with ``q``, ``source``, ``target``, ``format``, ``api_key``), key
  ``DESK_MT_KEY``. It has no glossary: the editor's glossary check warns instead.

Inline tokens (``[1]…[/1]``, ``newsroom.core.inline``) travel as tags the providers keep in
place, ``<x id="1">…</x>`` (DeepL ``tag_handling=xml``, LibreTranslate ``format=html``, the rest
of the text escaped), and come back as tokens; texts without tokens are sent as plain text.

Outgoing calls follow the importer's rules where they apply: a timeout on every call and a
wall-clock deadline, a cap on what is sent (``DESK_MT_MAX_CHARS``) and on what is read
(``DESK_MT_MAX_RESPONSE_BYTES``), no redirects, and the provider's own configured host as the
only destination (the address comes from settings, never from a request). Unlike the
importer, a private address is allowed: a desk may run LibreTranslate next to itself.

Every failure is a :class:`MachineError` whose ``message`` is one sentence a translator can
read; nothing here writes to the database.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import deepl
import deepl.http_client
import requests
import requests.adapters
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from newsroom.core import inline

USER_AGENT = "TranslationDesk/1.0 (machine drafts)"


@dataclass
class MachineError(Exception):
    """A provider failed; ``message`` is the sentence shown to the translator."""

    message: str
    code: str = "failed"

    def __str__(self) -> str:
        return self.message


def _not_configured() -> MachineError:
    return MachineError(_("Machine drafts are not turned on for this desk."), "not_configured")


def _timeout() -> MachineError:
    return MachineError(
        _("The machine translation service did not answer in time. Nothing was changed; try again later."), "timeout"
    )


def _unreachable() -> MachineError:
    return MachineError(
        _("The machine translation service could not be reached. Nothing was changed; try again later."),
        "unreachable",
    )


def _quota() -> MachineError:
    return MachineError(
        _("The desk's machine translation quota is used up for now. Nothing was changed; ask an editor."), "quota"
    )


def _busy() -> MachineError:
    return MachineError(
        _("The machine translation service is busy (too many requests). Nothing was changed; try again in a minute."),
        "busy",
    )


def _bad_key() -> MachineError:
    return MachineError(
        _("The machine translation service refused the desk's key. Nothing was changed; tell an editor."), "bad_key"
    )


def _junk() -> MachineError:
    return MachineError(
        _("The machine translation service sent an answer the desk cannot read. Nothing was changed."), "junk"
    )


def _refused(status: int) -> MachineError:
    return MachineError(
        _("The machine translation service refused the request (HTTP %(status)d). Nothing was changed.")
        % {"status": status},
        "refused",
    )


def _too_long() -> MachineError:
    return MachineError(_("This text is too long to send for a machine draft in one go."), "too_long")


class Provider(Protocol):
    """What the desk needs from a provider: texts in, the same number of texts out."""

    name: str
    has_glossary: bool

    def translate(self, *, texts: list[str], source: str, target: str, glossary: dict[str, str]) -> list[str]: ...


def _check_sizes(texts: list[str]) -> None:
    if sum(len(t) for t in texts) > settings.DESK_MT_MAX_CHARS:
        raise _too_long()


def _same_length(texts: list[str], out: Any) -> list[str]:
    if not isinstance(out, list) or len(out) != len(texts) or not all(isinstance(x, str) for x in out):
        raise _junk()
    return out


# --------------------------------------------------------------------------- LibreTranslate


@dataclass
class LibreTranslate:
    """``POST {url}/translate`` with a JSON body; ``q`` is the list of texts."""

    url: str
    api_key: str = ""
    timeout: float = 20.0
    max_response_bytes: int = 2_000_000
    name: str = "LibreTranslate"
    has_glossary: bool = False

    def translate(self, *, texts: list[str], source: str, target: str, glossary: dict[str, str]) -> list[str]:
        _check_sizes(texts)
        tagged = any(inline.has_markers(t) for t in texts)
        sent = [inline.to_tags(t) for t in texts] if tagged else texts
        body: dict[str, Any] = {"q": sent, "source": source, "target": target, "format": "html" if tagged else "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        status, data = self._post("/translate", body)
        if status == 200:
            out = _same_length(texts, data.get("translatedText") if isinstance(data, dict) else None)
            return [inline.from_tags(t) for t in out] if tagged else out
        if status in (401, 403):
            raise _bad_key()
        if status == 429:
            raise _busy()
        raise _refused(status)

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _not_configured()
        pool_cls = urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
        # A pool bound to the configured host: whatever the server answers, nothing else is reached.
        pool = pool_cls(
            parts.hostname,
            parts.port,
            timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            retries=False,
            maxsize=1,
        )
        deadline = time.monotonic() + self.timeout
        expired = threading.Event()
        watchdog = threading.Timer(self.timeout, expired.set)
        watchdog.daemon = True
        watchdog.start()
        try:
            response = pool.urlopen(
                "POST",
                parts.path.rstrip("/") + path,
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT},
                redirect=False,
                preload_content=False,
            )
            try:
                raw = _read_capped(response, max_bytes=self.max_response_bytes, deadline=deadline, expired=expired)
                status = response.status
            finally:
                response.release_conn()
        except urllib3.exceptions.TimeoutError as e:
            raise _timeout() from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise (_timeout() if expired.is_set() else _unreachable()) from e
        finally:
            watchdog.cancel()
            pool.close()
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            if status == 200:
                raise _junk() from None
            data = None
        return status, data


def _read_capped(response: Any, *, max_bytes: int, deadline: float, expired: threading.Event) -> bytes:
    length = response.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > max_bytes:
        raise _junk()
    chunks: list[bytes] = []
    size = 0
    while True:
        # Per-read timeouts alone let a server drip a byte at a time forever.
        if expired.is_set() or time.monotonic() > deadline:
            raise _timeout()
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _junk()
        chunks.append(chunk)


# --------------------------------------------------------------------------- DeepL


_DEEPL_TARGETS = {"en": "EN-GB", "pt": "PT-PT"}


class _CappedAdapter(requests.adapters.HTTPAdapter):
    """Reads each response body itself, within a size cap and a wall-clock deadline.

    The client prepares its requests without the session's hooks, so the cap lives in the
    transport: past ``max_bytes`` or ``deadline`` the read stops and the call fails.
    """

    def __init__(self, *, max_bytes: int, deadline: float) -> None:
        super().__init__(max_retries=0)
        self.max_bytes = max_bytes
        self.deadline = deadline

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        length = response.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > self.max_bytes:
            response.close()
            raise requests.exceptions.ContentDecodingError("response too large", response=response)
        chunks: list[bytes] = []
        size = 0
        while True:
            # Per-read timeouts alone let a server drip a byte at a time forever.
            if time.monotonic() > self.deadline:
                response.close()
                raise requests.exceptions.ReadTimeout("the provider took too long to answer", response=response)
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                response.close()
                raise requests.exceptions.ContentDecodingError("response too large", response=response)
            chunks.append(chunk)
        response._content = b"".join(chunks)
        response._content_consumed = True
        return response


@dataclass
class DeepL:
    """DeepL's official client, hardened: no retries, bounded time, no redirects, capped reads."""

    auth_key: str
    server_url: str = ""
    timeout: float = 20.0
    max_response_bytes: int = 2_000_000
    name: str = "DeepL"
    has_glossary: bool = True

    def _client(self, *, deadline: float) -> deepl.Translator:
        # The client's retry and timeout knobs are module globals: the desk wants one try,
        # bounded by its own timeout (a retried 429 would hold a worker for a minute).
        deepl.http_client.max_network_retries = 0
        deepl.http_client.min_connection_timeout = self.timeout
        translator = deepl.Translator(
            self.auth_key, server_url=self.server_url or None, send_platform_info=False, skip_language_check=True
        )
        session: requests.Session = translator._client._session
        session.trust_env = False  # no proxy or netrc from the environment: only the provider's host
        session.max_redirects = 0  # a redirect would lead elsewhere: refused
        adapter = _CappedAdapter(max_bytes=self.max_response_bytes, deadline=deadline)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return translator

    def translate(self, *, texts: list[str], source: str, target: str, glossary: dict[str, str]) -> list[str]:
        _check_sizes(texts)
        tagged = any(inline.has_markers(t) for t in texts)
        sent = [inline.to_tags(t) for t in texts] if tagged else texts
        source_lang = source.upper()
        target_lang = _DEEPL_TARGETS.get(target.lower(), target.upper())
        translator = self._client(deadline=time.monotonic() + self.timeout)
        try:
            made = None
            if glossary:
                try:
                    made = translator.create_glossary(
                        "translation desk", source_lang=source_lang, target_lang=target_lang[:2], entries=glossary
                    )
                except deepl.DeepLException as e:
                    # A language pair without glossaries is no reason to give up: the check warns.
                    if e.http_status_code not in (400, 404):
                        raise
            try:
                results = translator.translate_text(
                    sent,
                    source_lang=source_lang,
                    target_lang=target_lang,
                    glossary=made,
                    preserve_formatting=True,
                    tag_handling="xml" if tagged else None,
                )
            finally:
                if made is not None:
                    try:
                        translator.delete_glossary(made)
                    except deepl.DeepLException:
                        pass  # the glossary expires unused; the draft itself is fine
        except deepl.AuthorizationException as e:
            raise _bad_key() from e
        except deepl.QuotaExceededException as e:
            raise _quota() from e
        except deepl.TooManyRequestsException as e:
            raise _busy() from e
        except deepl.ConnectionException as e:
            cause = e.__cause__
            if isinstance(cause, requests.exceptions.Timeout):
                raise _timeout() from e
            if isinstance(cause, requests.exceptions.ContentDecodingError | requests.exceptions.TooManyRedirects):
                raise _junk() from e
            raise _unreachable() from e
        except deepl.DeepLException as e:
            raise _refused(e.http_status_code or 0) from e
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _junk() from e
        finally:
            translator.close()
        results_list = results if isinstance(results, list) else [results]
        out = _same_length(texts, [getattr(r, "text", None) for r in results_list])
        return [inline.from_tags(t) for t in out] if tagged else out


def provider_from_settings() -> Provider | None:
    """The configured provider, or ``None`` when machine drafts are off (the default)."""
    name = (settings.DESK_MT_PROVIDER or "").strip().lower()
    if name == "deepl" and settings.DESK_MT_DEEPL_KEY:
        return DeepL(
            auth_key=settings.DESK_MT_DEEPL_KEY,
            server_url=settings.DESK_MT_URL,
            timeout=settings.DESK_MT_TIMEOUT,
            max_response_bytes=settings.DESK_MT_MAX_RESPONSE_BYTES,
        )
    if name == "libretranslate" and settings.DESK_MT_URL:
        return LibreTranslate(
            url=settings.DESK_MT_URL,
            api_key=settings.DESK_MT_KEY,
            timeout=settings.DESK_MT_TIMEOUT,
            max_response_bytes=settings.DESK_MT_MAX_RESPONSE_BYTES,
        )
    return None


def is_enabled() -> bool:
    return provider_from_settings() is not None


def provider_required() -> Provider:
    provider = provider_from_settings()
    if provider is None:
        raise _not_configured()
    return provider

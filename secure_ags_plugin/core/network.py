"""The plugin's own HTTP client, set up as QGIS's network settings say.

``requests`` does not read QGIS's proxy settings; QGIS's network manager
does. The proxy is read here, on the main thread, and handed to the client
that a background task then uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtNetwork import QNetworkProxy

if TYPE_CHECKING:
    from ..arcgis.http import HttpClient

_HTTP_PROXY_TYPES = (
    QNetworkProxy.ProxyType.HttpProxy,
    QNetworkProxy.ProxyType.HttpCachingProxy,
)


def proxies_for(url: str) -> dict[str, str]:
    """requests-style proxies for ``url``, from QGIS's proxy settings.

    An empty dict leaves requests to the environment's proxy variables,
    which is what QGIS's "system proxy" choice means too.
    """
    manager = QgsNetworkAccessManager.instance()
    proxy = manager.fallbackProxy()
    if proxy.type() not in _HTTP_PROXY_TYPES or not proxy.hostName():
        return {}

    excluded = [entry for entry in manager.excludeList() if entry.strip()]
    excluded += [entry for entry in manager.noProxyList() if entry.strip()]
    if any(url.startswith(entry.strip()) for entry in excluded):
        return {}

    credentials = ""
    if proxy.user():
        credentials = (
            f"{quote(proxy.user(), safe='')}:{quote(proxy.password(), safe='')}@"
        )
    address = f"http://{credentials}{proxy.hostName()}:{proxy.port()}"
    return {"http": address, "https": address}


def http_client(proxies: dict[str, str]) -> HttpClient:
    """An HttpClient with the given proxies, for use inside a background task.

    requests is imported here, on the task's thread, so that neither QGIS's
    start-up nor the main thread pays for importing it.
    """
    from ..arcgis.http import HttpClient

    return HttpClient(proxies=proxies)


def preload_http_client() -> None:
    """Import the HTTP client now, while the user is typing in the dialog.

    Imported first inside a background task, ``requests`` would hold Python's
    interpreter lock for tens of milliseconds at a time and stall the main
    thread just after "Add Services" is pressed.
    """
    from ..arcgis import http  # noqa: F401

"""What a project remembers about its secured sites, and remembered passwords.

For each site whose layers are in a project, the project keeps what is
needed to sign in again: the site root, the token URL, the username, the
referer, the token lifetime, the server version, and the id of a QGIS
authentication configuration where the user chose to remember credentials.
Never a password, never a token. Passwords the user asked to remember go
to the QGIS authentication database, encrypted behind its master password.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsProject

from ..arcgis.token import DEFAULT_EXPIRATION_MINUTES
from ..arcgis.urls import SiteRoot
from .project_keys import PROJECT_SCOPE, SITES_KEY

LOG = logging.getLogger(__name__)

AUTH_METHOD = "Basic"


@dataclass(frozen=True)
class SiteRecord:
    """One secured site as the project stores it (no secret in here)."""

    root_url: str
    token_url: str
    username: str
    referer: str
    expiration_minutes: int = DEFAULT_EXPIRATION_MINUTES
    server_version: float = 0.0
    authcfg: str = ""

    @property
    def root(self) -> SiteRoot:
        return SiteRoot.from_url(self.root_url)


def read_site_records(project: QgsProject | None = None) -> list[SiteRecord]:
    """The records in ``project``; a damaged entry is logged and skipped."""
    project = project or QgsProject.instance()
    text, found = project.readEntry(PROJECT_SCOPE, SITES_KEY, "")
    if not found or not text:
        return []

    try:
        entries = json.loads(text)
    except ValueError:
        LOG.warning("The project's secured site list is damaged; ignoring it")
        return []

    known = {field.name for field in fields(SiteRecord)}
    records = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        try:
            records.append(SiteRecord(**{k: v for k, v in entry.items() if k in known}))
        except TypeError:
            LOG.warning("Skipped a damaged secured site entry in the project")
    return records


def write_site_records(
    records: list[SiteRecord], project: QgsProject | None = None
) -> None:
    """Store ``records`` in the project (one per site root, last one wins)."""
    project = project or QgsProject.instance()
    by_root = {record.root: record for record in records}
    text = json.dumps([asdict(record) for record in by_root.values()], sort_keys=True)
    current, _ = project.readEntry(PROJECT_SCOPE, SITES_KEY, "")
    if text != current:
        project.writeEntry(PROJECT_SCOPE, SITES_KEY, text)


def forget_sites_without_layers(layers_of, project: QgsProject | None = None) -> None:
    """Drop the records of sites whose last layer left the project."""
    records = read_site_records(project)
    kept = [record for record in records if layers_of(record.root)]
    if len(kept) != len(records):
        write_site_records(kept, project)


def remember_record(record: SiteRecord, project: QgsProject | None = None) -> None:
    """Add or replace one site's record in the project."""
    records = [r for r in read_site_records(project) if r.root != record.root]
    write_site_records([*records, record], project)


# -- the QGIS authentication database ------------------------------------------------


def store_credentials(
    username: str, password: str, *, label: str, authcfg: str = ""
) -> str:
    """Keep a username and password in QGIS's authentication database.

    Returns the configuration id, or "" when the database could not take it
    (no master password given, for example). ``authcfg`` updates an existing
    configuration instead of adding another.
    """
    manager = QgsApplication.authManager()
    config = QgsAuthMethodConfig()
    if authcfg and manager.loadAuthenticationConfig(authcfg, config, False):
        config.setConfig("username", username)
        config.setConfig("password", password)
        if manager.updateAuthenticationConfig(config):
            return authcfg

    config = QgsAuthMethodConfig()
    config.setMethod(AUTH_METHOD)
    config.setName(label)
    config.setConfig("username", username)
    config.setConfig("password", password)
    if not manager.storeAuthenticationConfig(config):
        LOG.warning("The QGIS authentication database did not store the credentials")
        return ""
    return config.id()


def load_credentials(authcfg: str) -> tuple[str, str] | None:
    """The username and password of a stored configuration, or None."""
    if not authcfg:
        return None
    config = QgsAuthMethodConfig()
    if not QgsApplication.authManager().loadAuthenticationConfig(authcfg, config, True):
        return None
    username = config.config("username")
    password = config.config("password")
    if not username or not password:
        return None
    return username, password


def record_for_site(site) -> SiteRecord:
    """What the project should remember of a signed-in SecuredSite."""
    credentials = site.credentials
    return SiteRecord(
        root_url=site.root.url,
        token_url=credentials.token_url,
        username=credentials.username,
        referer=credentials.referer,
        expiration_minutes=credentials.expiration_minutes,
        server_version=site.server_version,
        authcfg=site.authcfg,
    )

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
  <context>
    <name>SecureArcGISServer</name>
    <message>
      <source>Loading…</source>
      <translation>Wird geladen…</translation>
    </message>
    <message>
      <source>Signed in. Tick services or layers, then press Add Services.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Group</source>
      <translation>Gruppe</translation>
    </message>
    <message>
      <source>Folder</source>
      <translation>Ordner</translation>
    </message>
    <message>
      <source>Layer</source>
      <translation>Layer</translation>
    </message>
    <message>
      <source>Could not load: {reason}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Unexpected error</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Something went wrong inside the plugin; the QGIS log panel (Secure ArcGIS Server tab) has the details.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Check the form</source>
      <translation>Formular prüfen</translation>
    </message>
    <message>
      <source>Sign-in failed</source>
      <translation>Anmeldung fehlgeschlagen</translation>
    </message>
    <message>
      <source>Certificate not trusted</source>
      <translation>Zertifikat nicht vertrauenswürdig</translation>
    </message>
    <message>
      <source>Server too slow</source>
      <translation>Server zu langsam</translation>
    </message>
    <message>
      <source>Cannot reach the server</source>
      <translation>Server nicht erreichbar</translation>
    </message>
    <message>
      <source>Token rejected</source>
      <translation>Token abgelehnt</translation>
    </message>
    <message>
      <source>Access denied</source>
      <translation>Zugriff verweigert</translation>
    </message>
    <message>
      <source>Service not found</source>
      <translation>Dienst nicht gefunden</translation>
    </message>
    <message>
      <source>Unsupported service</source>
      <translation>Dienst wird nicht unterstützt</translation>
    </message>
    <message>
      <source>Site not supported</source>
      <translation>Site wird nicht unterstützt</translation>
    </message>
    <message>
      <source>Layer could not be opened</source>
      <translation>Layer konnte nicht geöffnet werden</translation>
    </message>
    <message>
      <source>Unexpected answer</source>
      <translation>Unerwartete Antwort</translation>
    </message>
    <message>
      <source>ArcGIS Server error</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The connection was not made, to keep your password safe. If this server uses a private certificate authority, add it under Settings → Options → Authentication → Certificate Manager and to the system's trusted certificates.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Your account may not use this service.</source>
      <translation>Ihr Konto darf diesen Dienst nicht nutzen.</translation>
    </message>
    <message>
      <source>Server: {host}.</source>
      <translation>Server: {host}.</translation>
    </message>
    <message>
      <source>Sign in to ArcGIS Server</source>
      <translation>Bei ArcGIS Server anmelden</translation>
    </message>
    <message>
      <source>Remember my credentials (QGIS authentication database)</source>
      <translation>Anmeldedaten merken (QGIS-Authentifizierungsdatenbank)</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>Benutzername</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>Passwort</translation>
    </message>
    <message>
      <source>This project has layers from {site}. Sign in to draw them.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Secured ArcGIS Server sites</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Site</source>
      <translation>Site</translation>
    </message>
    <message>
      <source>User</source>
      <translation>Benutzer</translation>
    </message>
    <message>
      <source>Token expires</source>
      <translation>Token läuft ab</translation>
    </message>
    <message>
      <source>Layers</source>
      <translation>Layer</translation>
    </message>
    <message>
      <source>State</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>Renew now</source>
      <translation>Jetzt erneuern</translation>
    </message>
    <message>
      <source>Sign out</source>
      <translation>Abmelden</translation>
    </message>
    <message>
      <source>Sign in…</source>
      <translation>Anmelden…</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Schließen</translation>
    </message>
    <message>
      <source>Add Secured ArcGIS Service…</source>
      <translation>Gesicherten ArcGIS-Dienst hinzufügen…</translation>
    </message>
    <message>
      <source>Sign in to a token-secured ArcGIS Server and add its MapServer and FeatureServer services</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Secured Sites…</source>
      <translation>Gesicherte Sites…</translation>
    </message>
    <message>
      <source>Sites you are signed in to: renew, sign out, or sign in for the open project</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Signing in…</source>
      <translation>Anmeldung läuft…</translation>
    </message>
    <message>
      <source>Signed in</source>
      <translation>Angemeldet</translation>
    </message>
    <message>
      <source>Adding the ticked services…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Secured layer added</source>
      <translation>Gesicherter Layer hinzugefügt</translation>
    </message>
    <message>
      <source>Secured layers added</source>
      <translation>Gesicherte Layer hinzugefügt</translation>
    </message>
    <message>
      <source>sign-in needed</source>
      <translation>Anmeldung nötig</translation>
    </message>
    <message>
      <source>Token renewal for {host}</source>
      <translation>Token-Erneuerung für {host}</translation>
    </message>
    <message>
      <source>{names} from {host} is on the map.</source>
      <translation>{names} von {host} ist auf der Karte.</translation>
    </message>
    <message>
      <source>{names} from {host} are on the map.</source>
      <translation>{names} von {host} sind auf der Karte.</translation>
    </message>
    <message>
      <source>{host}: this project's secured layers can draw.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>renewing</source>
      <translation>wird erneuert</translation>
    </message>
    <message>
      <source>signed in</source>
      <translation>angemeldet</translation>
    </message>
    <message>
      <source>{host} refuses the renewed token as well. Its layers may not draw; check the referer and your permissions, then sign in again.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Signing in to {host} for this project</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>not signed in</source>
      <translation>nicht angemeldet</translation>
    </message>
  </context>
  <context>
    <name>SecuredServiceDialog</name>
    <message>
      <source>Add Secured ArcGIS Service</source>
      <translation>Gesicherten ArcGIS-Dienst hinzufügen</translation>
    </message>
    <message>
      <source>Sign in to an ArcGIS Server site that uses token security, then add its MapServer and FeatureServer services as layers. Your password is kept in memory only, for renewing the token during this QGIS session.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;Username</source>
      <translation>&amp;Benutzername</translation>
    </message>
    <message>
      <source>&amp;Password</source>
      <translation>&amp;Passwort</translation>
    </message>
    <message>
      <source>&amp;Token URL</source>
      <translation>&amp;Token-URL</translation>
    </message>
    <message>
      <source>Leave empty to find it from the server</source>
      <translation>Leer lassen, um sie beim Server zu erfragen</translation>
    </message>
    <message>
      <source>&amp;Server or service</source>
      <translation>&amp;Server oder Dienst</translation>
    </message>
    <message>
      <source>https://server.example.com/arcgis or …/rest/services/NAME/MapServer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A site (https://host/arcgis), a folder, a MapServer or FeatureServer, or one of their layers.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;Referer</source>
      <translation>&amp;Referer</translation>
    </message>
    <message>
      <source>The token is bound to this referer; the plugin sends it as the Referer header with every request to the site.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Token &amp;lifetime</source>
      <translation>Token-&amp;Gültigkeit</translation>
    </message>
    <message>
      <source>How long each token is asked for. The server may grant less; the plugin renews the token before it lapses.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> min</source>
      <translation> Min.</translation>
    </message>
    <message>
      <source>Plain http:// sends the password and the token unencrypted. Loopback addresses are always allowed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Allow plain &amp;HTTP (password and token sent unencrypted)</source>
      <translation>Unverschlüsseltes &amp;HTTP erlauben (Passwort und Token im Klartext)</translation>
    </message>
    <message>
      <source>&amp;Image format</source>
      <translation>&amp;Bildformat</translation>
    </message>
    <message>
      <source>PNG32 keeps transparency; JPG is smaller and suits imagery.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add MapServer sublayers as &amp;vector features instead of map images</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Keeps the username and password in the QGIS authentication database, encrypted behind its master password, so projects using this server open without asking.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&amp;Remember my credentials (QGIS authentication database)</source>
      <translation>Anmeldedaten &amp;merken (QGIS-Authentifizierungsdatenbank)</translation>
    </message>
    <message>
      <source>Tick services, or some of their layers, then press Add Services.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Folders, services and layers</source>
      <translation>Ordner, Dienste und Layer</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>Typ</translation>
    </message>
    <message>
      <source>&amp;List Services</source>
      <translation>Dienste &amp;auflisten</translation>
    </message>
    <message>
      <source>Sign in and list the server's folders and services.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add Services</source>
      <translation>Dienste hinzufügen</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Schließen</translation>
    </message>
  </context>
</TS>

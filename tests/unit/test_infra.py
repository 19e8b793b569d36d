"""The deployment template (`infra/azuredeploy.json`) keeps the promises of docs/security.md.

Each test reads the template as data and checks one thing an operator or a data
protection officer would notice: where the data lives, who can read it, which secrets
exist and where they go, what reaches the logs. A small reader for ARM template
expressions (the `[...]` strings) lets the tests follow parameters, variables and
resource ids instead of matching text, and evaluates the app settings so the real
`config.settings.load_settings` can judge them.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from storage.cosmos_database import CONTAINERS
from storage.keys import new_blind_index_key, new_key_line

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = json.loads((ROOT / "infra" / "azuredeploy.json").read_text("utf-8"))
EXAMPLE: dict[str, Any] = json.loads(
    (ROOT / "infra" / "azuredeploy.parameters.example.json").read_text("utf-8")
)
DEPLOY_DOC = (ROOT / "docs" / "deploy.md").read_text("utf-8")
RESOURCES: list[dict[str, Any]] = TEMPLATE["resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["parameters"]

# Settings the template sets that App Service itself reads, not the bot.
PLATFORM_SETTINGS = {
    "WEBSITES_PORT": "the port App Service forwards requests to",
    "SCM_DO_BUILD_DURING_DEPLOYMENT": "zip deploy installs requirements.txt",
}
# Log categories that are operational or audit records (docs/deploy.md says why each).
OPERATIONAL_LOGS = {
    "Microsoft.Web/sites": {
        "AppServiceHTTPLogs",
        "AppServiceConsoleLogs",
        "AppServicePlatformLogs",
        "AppServiceAuditLogs",
    },
    "Microsoft.DocumentDB/databaseAccounts": {"DataPlaneRequests", "ControlPlaneRequests"},
    "Microsoft.KeyVault/vaults": {"AuditEvent"},
    "Microsoft.BotService/botServices": {"BotRequest"},
}
# Query text and partition key values (bot state ids carry Teams conversation ids).
CONTENT_LOGS = {"QueryRuntimeStatistics", "PartitionKeyStatistics", "PartitionKeyRUConsumption"}
MONITORING_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"  # Monitoring Metrics Publisher
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
AUDIT_APPEND_ACTIONS = {
    "Microsoft.DocumentDB/databaseAccounts/readMetadata",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed",
}
KEY_VAULT_REFERENCE = re.compile(
    r"@Microsoft\.KeyVault\(SecretUri=https://[^/]+/secrets/([\w-]+)/\)"
)


# --- A reader for ARM template expressions -------------------------------------------

# ("str", text) ("int", n) ("call", name, args) ("prop", base, name) ("index", base, key)
Node = tuple[Any, ...]


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and not value.startswith("[[")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def parse(self) -> Node:
        node = self._value()
        if self._skip_space() != len(self.text):
            raise ValueError(f"unexpected {self.text[self.pos :]!r}")
        return node

    def _skip_space(self) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos

    def _take(self, char: str) -> bool:
        self._skip_space()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def _value(self) -> Node:
        self._skip_space()
        if self.text.startswith("'", self.pos):
            node = self._string()
        elif match := re.compile(r"-?\d+").match(self.text, self.pos):
            self.pos = match.end()
            node = ("int", int(match.group()))
        else:
            node = self._call()
        while True:
            if self._take("."):
                node = ("prop", node, self._name())
            elif self._take("["):
                node = ("index", node, self._value())
                if not self._take("]"):
                    raise ValueError("missing ]")
            else:
                return node

    def _string(self) -> Node:
        end, parts = self.pos + 1, []
        while True:
            quote = self.text.index("'", end)
            parts.append(self.text[end:quote])
            if self.text.startswith("''", quote):
                parts.append("'")
                end = quote + 2
            else:
                self.pos = quote + 1
                return ("str", "".join(parts))

    def _name(self) -> str:
        self._skip_space()
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
        if match is None:
            raise ValueError(f"expected a name at {self.text[self.pos :]!r}")
        self.pos = match.end()
        return match.group()

    def _call(self) -> Node:
        name, args = self._name(), []
        if not self._take("("):
            raise ValueError(f"{name} is not called")
        if not self._take(")"):
            args.append(self._value())
            while self._take(","):
                args.append(self._value())
            if not self._take(")"):
                raise ValueError(f"missing ) after {name}")
        return ("call", name, tuple(args))


def parse(expression: str) -> Node:
    return _Parser(expression[1:-1]).parse()


def calls(node: Node) -> Iterator[Node]:
    """Every function call inside `node`, outermost first."""
    if node[0] == "call":
        yield node
        for arg in node[2]:
            yield from calls(arg)
    elif node[0] in ("prop", "index"):
        yield from calls(node[1])
        if node[0] == "index":
            yield from calls(node[2])


def expressions(value: Any, path: str = "") -> Iterator[tuple[str, Node]]:
    """(path, parsed expression) for every expression string anywhere in `value`."""
    if is_expression(value):
        yield path, parse(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from expressions(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from expressions(item, f"{path}/{index}")


def names_used(function: str) -> set[str]:
    return {
        call[2][0][1]
        for _, node in expressions(TEMPLATE)
        for call in calls(node)
        if call[1] == function and call[2] and call[2][0][0] == "str"
    }


SUBSCRIPTION = "/subscriptions/11111111-2222-3333-4444-555555555555"
RESOURCE_GROUP = f"{SUBSCRIPTION}/resourceGroups/rg-sma"
FAKE_TENANT = "99999999-8888-7777-6666-555555555555"
FAKE_PRINCIPAL = "12345678-1234-1234-1234-123456789abc"
WORKER_PRINCIPAL = "87654321-4321-4321-4321-cba987654321"
WORKER_REFERENCE = {
    "defaultHostName": "sma-worker.azurewebsites.net",
    "identity": {"principalId": WORKER_PRINCIPAL},
}
FAKE_REFERENCES = {  # what reference() returns, by resource type
    "Microsoft.Web/sites": {
        "defaultHostName": "sma-bot.azurewebsites.net",
        "identity": {"principalId": FAKE_PRINCIPAL},
    },
    "Microsoft.DocumentDB/databaseAccounts": {
        "documentEndpoint": "https://sma-cosmos.documents.azure.com:443/"
    },
    "Microsoft.KeyVault/vaults": {"vaultUri": "https://sma-kv.vault.azure.net/"},
    "Microsoft.Insights/components": {"ConnectionString": "InstrumentationKey=not-a-real-one"},
}


def _resource_id(prefix: str, type_: str, *names: str) -> str:
    namespace, *types = type_.split("/")
    pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{prefix}/providers/{namespace}/{pairs}"


def _reference(resource_id: str, *_: Any) -> Any:
    if re.search(r"/providers/Microsoft\.Web/sites/[^/]*-worker-[^/]*$", resource_id):
        return WORKER_REFERENCE
    for type_, properties in FAKE_REFERENCES.items():
        if re.search(rf"/providers/{type_}/[^/]+$", resource_id):
            return properties
    raise LookupError(f"no fake reference for {resource_id}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": lambda text, *args: re.sub(r"\{(\d+)\}", lambda m: str(args[int(m[1])]), text),
    "concat": lambda *args: "".join(args),
    "string": lambda value: str(value).lower() if isinstance(value, bool) else str(value),
    "toLower": str.lower,
    "take": lambda value, count: value[:count],
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "not": lambda value: not value,
    "empty": lambda value: not value,
    "length": len,
    "uniqueString": lambda *args: hashlib.sha256("|".join(args).encode()).hexdigest()[:13],
    "guid": lambda *args: str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(args))),
    "resourceGroup": lambda: {"id": RESOURCE_GROUP},
    "subscription": lambda: {"id": SUBSCRIPTION, "tenantId": FAKE_TENANT},
    "resourceId": lambda type_, *names: _resource_id(RESOURCE_GROUP, type_, *names),
    "subscriptionResourceId": lambda type_, *names: _resource_id(SUBSCRIPTION, type_, *names),
    "extensionResourceId": lambda scope, type_, *names: _resource_id(scope, type_, *names),
    "reference": _reference,
    "newGuid": lambda: str(uuid.uuid4()),
}


class Deployment:
    """Evaluates template values as ARM would for the given parameter values."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def value(self, raw: Any) -> Any:
        if is_expression(raw):
            return self.node(parse(raw))
        if isinstance(raw, dict):
            return {key: self.value(item) for key, item in raw.items()}
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        return raw

    def node(self, node: Node) -> Any:
        kind = node[0]
        if kind in ("str", "int"):
            return node[1]
        if kind == "prop":
            return self.node(node[1])[node[2]]
        if kind == "index":
            return self.node(node[1])[self.node(node[2])]
        name, args = node[1], [self.node(arg) for arg in node[2]]
        if name == "parameters":
            if args[0] in self.values:
                return self.values[args[0]]
            return self.value(PARAMETERS[args[0]]["defaultValue"])
        if name == "variables":
            return self.value(TEMPLATE["variables"][args[0]])
        return FUNCTIONS[name](*args)


EXAMPLE_VALUES = {name: item["value"] for name, item in EXAMPLE["parameters"].items()}
DEPLOYMENT = Deployment(EXAMPLE_VALUES)
DATABASE_SCOPE = "/dbs/" + DEPLOYMENT.value("[parameters('cosmosDatabaseName')]")


def resources_of(type_: str) -> list[dict[str, Any]]:
    return [r for r in RESOURCES if r["type"] == type_]


def only(type_: str) -> dict[str, Any]:
    found = resources_of(type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


WEB, WORKER = "webAppName", "workerAppName"  # the two apps, by their name parameter
PRINCIPALS = {WEB: FAKE_PRINCIPAL, WORKER: WORKER_PRINCIPAL}


def app_settings(app: str = WEB) -> dict[str, Any]:
    name = DEPLOYMENT.value(f"[parameters('{app}')]")
    config = [
        r
        for r in resources_of("Microsoft.Web/sites/config")
        if DEPLOYMENT.value(r["name"]) == f"{name}/appsettings"
    ]
    assert len(config) == 1, "each app's settings are set in one place"
    settings: dict[str, Any] = config[0]["properties"]
    return settings


def site(app: str) -> dict[str, Any]:
    (found,) = [
        r for r in resources_of("Microsoft.Web/sites") if r["name"] == f"[parameters('{app}')]"
    ]
    return found


def _key(type_: str, name: Node) -> tuple[str, tuple[Node, ...]]:
    """A resource's identity for matching: its type and the expressions naming each level."""
    if name[0] == "call" and name[1] == "format" and name[2][0][0] == "str":
        args = name[2][1:]
        pieces = name[2][0][1].split("/")
        segments = tuple(
            args[int(piece[1:-1])] if re.fullmatch(r"\{\d+\}", piece) else ("str", piece)
            for piece in pieces
        )
        return type_, segments
    return type_, (name,)


def _name_node(raw: str) -> Node:
    return parse(raw) if is_expression(raw) else ("str", raw)


def _scope_key(raw: str) -> tuple[str, tuple[Node, ...]]:
    """`format('Microsoft.X/things/{0}', name)`: the resource an extension resource is on."""
    node = parse(raw)
    assert node[1] == "format", f"scope {raw} is not written as format('Type/{{0}}', name)"
    namespace, *rest = node[2][0][1].split("/")
    types, names = rest[0::2], rest[1::2]
    _, segments = _key("", ("call", "format", (("str", "/".join(names)), *node[2][1:])))
    return "/".join([namespace, *types]), segments


def _target(node: Node) -> tuple[str, tuple[Node, ...]]:
    """The resource a `dependsOn` entry names: resourceId(...), extensionResourceId(...) or a
    variable holding one."""
    if node[1] == "variables":
        return _target(parse(TEMPLATE["variables"][node[2][0][1]]))
    if node[1] == "resourceId":
        return node[2][0][1], tuple(node[2][1:])
    if node[1] == "extensionResourceId":
        return node[2][1][1], tuple(node[2][2:])
    raise AssertionError(f"dependsOn entry {node} is not a resource id")


RESOURCE_KEYS = {_key(r["type"], _name_node(r["name"])) for r in RESOURCES}


# --- Where the data lives ---------------------------------------------------------------


def test_every_regional_resource_is_in_a_uk_region() -> None:
    location = PARAMETERS["location"]
    assert location["allowedValues"] == ["uksouth", "ukwest"]
    assert location["defaultValue"] == "uksouth"
    for resource in RESOURCES:
        if "location" not in resource:
            continue
        if resource["type"].startswith("Microsoft.BotService/"):
            assert resource["location"] == "global"  # the Bot registration has no region
        else:
            assert resource["location"] == "[parameters('location')]", resource["type"]
    cosmos = only("Microsoft.DocumentDB/databaseAccounts")
    assert [place["locationName"] for place in cosmos["properties"]["locations"]] == [
        "[parameters('location')]"
    ]


def test_cosmos_db_accepts_entra_id_only_over_tls_1_2_with_continuous_backup() -> None:
    account = only("Microsoft.DocumentDB/databaseAccounts")["properties"]
    assert account["disableLocalAuth"] is True  # account keys open nothing
    assert account["disableKeyBasedMetadataWriteAccess"] is True
    assert account["minimalTlsVersion"] == "Tls12"
    assert account["backupPolicy"]["type"] == "Continuous"


def test_cosmos_db_never_logs_query_text() -> None:
    account = only("Microsoft.DocumentDB/databaseAccounts")["properties"]
    assert account["diagnosticLogSettings"]["enableFullTextQuery"] == "False"


def test_the_containers_are_the_ones_the_app_checks_for_at_start_up() -> None:
    declared = {
        r["properties"]["resource"]["id"]: r["properties"]["resource"]
        for r in resources_of("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    }
    assert set(declared) == {spec.name for spec in CONTAINERS}
    for spec in CONTAINERS:
        container = declared[spec.name]
        assert container["partitionKey"]["paths"] == [spec.partition_key], spec.name
        assert container["indexingPolicy"] == spec.indexing_policy(), spec.name


def test_drafts_expire_by_ttl_and_bot_state_a_day_after_the_draft_keep_period() -> None:
    containers = {
        r["properties"]["resource"]["id"]: r["properties"]["resource"]
        for r in resources_of("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    }
    # As app.py asks: TTL on in `referrals` (only drafts carry a ttl), and dialog state
    # deleted one day after the draft keep period, so the audited purge goes first.
    assert containers["referrals"]["defaultTtl"] == -1
    keep_days = EXAMPLE_VALUES["draftKeepDays"]
    assert DEPLOYMENT.value(containers["bot_state"]["defaultTtl"]) == (keep_days + 1) * 86400
    assert app_settings()["SMA_DRAFT_KEEP_DAYS"] == "[string(parameters('draftKeepDays'))]"
    untimed = {"roster", "conversations", "audit"}
    assert all("defaultTtl" not in containers[name] for name in untimed)


# --- Who can read it --------------------------------------------------------------------


def _cosmos_grants(principal: str = FAKE_PRINCIPAL) -> dict[str, set[str]]:
    """Data actions an app's identity holds, by the scope they were granted on."""
    definitions = {
        DEPLOYMENT.value(r["name"]).split("/")[-1]: r["properties"]["permissions"][0]["dataActions"]
        for r in resources_of("Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions")
    }
    definitions[COSMOS_DATA_CONTRIBUTOR] = [
        "Microsoft.DocumentDB/databaseAccounts/readMetadata",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*",
    ]
    account = DEPLOYMENT.value("[variables('cosmosAccountId')]")
    grants: dict[str, set[str]] = {}
    for assignment in resources_of("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"):
        properties = DEPLOYMENT.value(assignment["properties"])
        assert properties["principalId"] in PRINCIPALS.values(), "granted to an app's identity"
        if properties["principalId"] != principal:
            continue
        scope = properties["scope"].removeprefix(account) or "/"
        role = properties["roleDefinitionId"].split("/")[-1]
        grants.setdefault(scope, set()).update(definitions[role])
    return grants


@pytest.mark.parametrize("principal", [FAKE_PRINCIPAL, WORKER_PRINCIPAL], ids=["web", "worker"])
def test_the_app_reads_and_writes_its_containers_through_entra_id_roles_only(
    principal: str,
) -> None:
    grants = _cosmos_grants(principal)
    database = DATABASE_SCOPE
    for spec in CONTAINERS:
        assert f"{database}/colls/{spec.name}" in grants, f"no data role on {spec.name}"
    # Above container level the app may only read metadata (to find the containers).
    assert grants.get("/", set()) <= {"Microsoft.DocumentDB/databaseAccounts/readMetadata"}
    assert database not in grants


@pytest.mark.parametrize("principal", [FAKE_PRINCIPAL, WORKER_PRINCIPAL], ids=["web", "worker"])
def test_the_app_can_add_to_the_audit_trail_but_never_change_or_delete_it(principal: str) -> None:
    database = DATABASE_SCOPE
    audit = _cosmos_grants(principal)[f"{database}/colls/audit"]
    assert audit == AUDIT_APPEND_ACTIONS
    assert not any(action.endswith(("/*", "replace", "upsert", "delete")) for action in audit)


@pytest.mark.parametrize("app", [WEB, WORKER])
def test_each_app_signs_in_with_its_own_managed_identity(app: str) -> None:
    assert site(app)["identity"]["type"] == "SystemAssigned"
    assert site(app)["properties"]["keyVaultReferenceIdentity"] == "SystemAssigned"
    settings = app_settings(app)
    assert "SMA_COSMOS_KEY" not in settings  # empty key: DefaultAzureCredential
    assert settings["SMA_COSMOS_CREATE_IF_MISSING"] == "false"  # a data role cannot create


def test_only_the_two_apps_may_read_the_secrets_and_only_through_key_vault_rbac() -> None:
    vault = only("Microsoft.KeyVault/vaults")["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert "accessPolicies" not in vault
    assert vault["enableSoftDelete"] is True
    assert vault["enablePurgeProtection"] is True
    vault = _key("Microsoft.KeyVault/vaults", parse("[parameters('keyVaultName')]"))
    assert granted_on(vault, KEY_VAULT_SECRETS_USER) == sorted(PRINCIPALS.values())


def granted_on(scope: tuple[str, tuple[Node, ...]], role: str) -> list[str]:
    """The principals holding role assignments on `scope`; each must be of `role`, to a
    service principal (an app's managed identity)."""
    granted = []
    for grant in resources_of("Microsoft.Authorization/roleAssignments"):
        if _scope_key(grant["scope"]) != scope:
            continue
        properties = DEPLOYMENT.value(grant["properties"])
        assert properties["roleDefinitionId"].endswith(f"/roleDefinitions/{role}")
        assert properties["principalType"] == "ServicePrincipal"
        granted.append(properties["principalId"])
    return sorted(granted)


@pytest.mark.parametrize("app", [WEB, WORKER])
def test_each_app_is_https_only_with_tls_1_2_and_no_ftp_or_basic_auth_publishing(
    app: str,
) -> None:
    properties = site(app)["properties"]
    config = properties["siteConfig"]
    assert properties["httpsOnly"] is True
    assert config["minTlsVersion"] == "1.2"
    assert config["scmMinTlsVersion"] == "1.2"
    assert config["ftpsState"] == "Disabled"
    assert config["remoteDebuggingEnabled"] is False
    assert properties["clientAffinityEnabled"] is False
    name = DEPLOYMENT.value(f"[parameters('{app}')]")
    policies = {
        DEPLOYMENT.value(r["name"]).split("/")[-1]: r["properties"]["allow"]
        for r in resources_of("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
        if DEPLOYMENT.value(r["name"]).startswith(f"{name}/")
    }
    assert policies == {"ftp": False, "scm": False}


@pytest.mark.parametrize("app", [WEB, WORKER])
def test_each_app_runs_the_bot_on_python_3_11_and_is_routed_to_only_when_ready(app: str) -> None:
    config = site(app)["properties"]["siteConfig"]
    assert config["linuxFxVersion"] == "PYTHON|3.11"
    assert config["appCommandLine"] == "python app.py"
    assert config["alwaysOn"] is True  # the worker's loops never wait for a request
    assert config["healthCheckPath"] == "/readyz"  # 503 while the store cannot be reached
    assert site(app)["properties"]["serverFarmId"] == "[variables('planId')]"  # one plan
    assert app_settings(app)["PORT"] == app_settings(app)["WEBSITES_PORT"]


def test_the_web_app_answers_teams_and_wakes_the_worker_which_delivers() -> None:
    web = {name: DEPLOYMENT.value(value) for name, value in app_settings(WEB).items()}
    worker = {name: DEPLOYMENT.value(value) for name, value in app_settings(WORKER).items()}
    assert (web["SMA_ROLE"], worker["SMA_ROLE"]) == ("web", "worker")
    assert web["SMA_WORKER_URL"] == f"https://{WORKER_REFERENCE['defaultHostName']}"
    assert "SMA_WORKER_URL" not in worker
    assert web["SMA_WAKE_KEY"] == worker["SMA_WAKE_KEY"], "one key, from one secret"
    # Apart from the role, the two run with the same settings.
    ignored = {"SMA_ROLE", "SMA_WORKER_URL"}
    assert {k: v for k, v in web.items() if k not in ignored} == {
        k: v for k, v in worker.items() if k not in ignored
    }
    bot = only("Microsoft.BotService/botServices")["properties"]
    assert DEPLOYMENT.value(bot["endpoint"]).startswith("https://sma-bot."), "Teams calls web only"


def test_the_bot_is_single_tenant_and_reachable_from_teams_only() -> None:
    bot = only("Microsoft.BotService/botServices")["properties"]
    settings = app_settings()
    assert bot["msaAppType"] == settings["MicrosoftAppType"] == "SingleTenant"
    assert bot["msaAppId"] == settings["MicrosoftAppId"] == "[parameters('botAppId')]"
    assert bot["msaAppTenantId"] == settings["MicrosoftAppTenantId"] == "[parameters('tenantId')]"
    assert bot["disableLocalAuth"] is True
    assert DEPLOYMENT.value(bot["endpoint"]) == "https://sma-bot.azurewebsites.net/api/messages"
    channels = [r["properties"] for r in resources_of("Microsoft.BotService/botServices/channels")]
    assert [c["channelName"] for c in channels] == ["MsTeamsChannel"]
    assert channels[0]["properties"] == {"isEnabled": True, "enableCalling": False}


# --- Secrets ----------------------------------------------------------------------------

SECURE_PARAMETERS = {name for name, p in PARAMETERS.items() if p["type"] == "securestring"}


# Generated on each deployment (it only lets the web app wake the worker), never given.
GENERATED = {"wakeKey": "[format('{0}{1}', newGuid(), newGuid())]"}


def test_every_secret_is_a_secure_parameter_without_a_default() -> None:
    assert {"botAppPassword", "dataKeys", "blindIndexKey", "wakeKey"} == SECURE_PARAMETERS
    secret_like = re.compile(r"(?i)password|secret|keys$|connectionstring")
    for name, parameter in PARAMETERS.items():
        if secret_like.search(name):
            assert parameter["type"] == "securestring", name
    for name in SECURE_PARAMETERS:
        expected = GENERATED.get(name, "")
        assert PARAMETERS[name].get("defaultValue", "") == expected, f"{name} has a built-in value"
        assert name not in EXAMPLE["parameters"], (
            f"{name} belongs on the command line, not in a file"
        )


def test_secure_parameters_go_into_key_vault_and_nowhere_else() -> None:
    for path, node in expressions(TEMPLATE):
        used = {c[2][0][1] for c in calls(node) if c[1] == "parameters"} & SECURE_PARAMETERS
        if not used:
            continue
        assert path.startswith("/resources/"), path
        index = int(path.split("/")[2])
        assert RESOURCES[index]["type"] == "Microsoft.KeyVault/vaults/secrets", path
        assert path.endswith(("/properties/value", "/condition")), path
    for secret in resources_of("Microsoft.KeyVault/vaults/secrets"):
        parameter = parse(secret["properties"]["value"])[2][0][1]
        assert parameter in SECURE_PARAMETERS
        # Redeploying without the secret keeps the one in Key Vault (a rotation done
        # there is never rolled back by an old parameter file).
        assert secret["condition"] == f"[not(empty(parameters('{parameter}')))]"


@pytest.mark.parametrize("app", [WEB, WORKER])
def test_each_app_gets_its_secrets_only_as_key_vault_references(app: str) -> None:
    secrets = {
        DEPLOYMENT.value(s["name"]).split("/")[-1]: parse(s["properties"]["value"])[2][0][1]
        for s in resources_of("Microsoft.KeyVault/vaults/secrets")
    }
    settings = {name: DEPLOYMENT.value(value) for name, value in app_settings(app).items()}
    for setting, parameter in (
        ("MicrosoftAppPassword", "botAppPassword"),
        ("SMA_DATA_KEYS", "dataKeys"),
        ("SMA_BLIND_INDEX_KEY", "blindIndexKey"),
        ("SMA_WAKE_KEY", "wakeKey"),
    ):
        reference = KEY_VAULT_REFERENCE.fullmatch(settings[setting])
        assert reference, f"{setting} is not a Key Vault reference"
        assert secrets[reference[1]] == parameter, setting


def test_no_account_keys_are_listed_and_no_output_carries_a_secret() -> None:
    text = json.dumps(TEMPLATE)
    assert "listKeys" not in text
    listed = {c[1] for _, node in expressions(TEMPLATE) for c in calls(node)}
    assert not any(name.lower().startswith("list") for name in listed)
    assert set(TEMPLATE["outputs"]) >= {"botEndpoint", "webAppHostName", "cosmosEndpoint"}
    for name, output in TEMPLATE["outputs"].items():
        assert output["type"] == "string", name
        assert not re.search(r"(?i)secret|password|key\b|keys|ConnectionString", output["value"])
        used = {c[2][0][1] for c in calls(parse(output["value"])) if c[1] == "parameters"}
        assert not used & SECURE_PARAMETERS, name


# --- Logs and telemetry -----------------------------------------------------------------


def test_each_resource_sends_operational_and_audit_logs_and_nothing_else() -> None:
    scoped: dict[str, set[str]] = {}
    for setting in resources_of("Microsoft.Insights/diagnosticSettings"):
        type_, _ = key = _scope_key(setting["scope"])
        assert key in RESOURCE_KEYS, f"{setting['scope']} is not a resource in the template"
        properties = setting["properties"]
        assert properties["workspaceId"] == "[variables('workspaceId')]"
        assert not {"storageAccountId", "eventHubAuthorizationRuleId"} & set(properties)
        # A category group such as allLogs would switch on every category, now and later.
        assert all("categoryGroup" not in log for log in properties["logs"])
        categories = {log["category"] for log in properties["logs"] if log["enabled"]}
        assert not categories & CONTENT_LOGS
        scoped[type_] = categories
    assert scoped == OPERATIONAL_LOGS


def test_application_insights_masks_ip_addresses_and_nothing_is_instrumented() -> None:
    insights = only("Microsoft.Insights/components")["properties"]
    assert insights["DisableIpMasking"] is False
    assert insights["DisableLocalAuth"] is True
    assert insights["WorkspaceResourceId"] == "[variables('workspaceId')]"
    # Codeless instrumentation would record outbound URLs, which hold Teams conversation ids.
    assert not {
        "ApplicationInsightsAgent_EXTENSION_VERSION",
        "XDT_MicrosoftApplicationInsights_Mode",
    } & (set(app_settings(WEB)) | set(app_settings(WORKER)))


def test_the_bot_sends_its_telemetry_to_application_insights_signed_in_as_itself() -> None:
    """The connection string names the resource; with local authentication off, each
    app's identity needs Monitoring Metrics Publisher there to send anything."""
    for app in (WEB, WORKER):
        setting = app_settings(app)["APPLICATIONINSIGHTS_CONNECTION_STRING"]
        assert DEPLOYMENT.value(setting) == "InstrumentationKey=not-a-real-one"  # reference()'s
    insights = _key("Microsoft.Insights/components", parse("[parameters('appInsightsName')]"))
    assert granted_on(insights, MONITORING_PUBLISHER) == sorted(PRINCIPALS.values())
    # These and Key Vault's, one each per app: nothing else is granted.
    assert len(resources_of("Microsoft.Authorization/roleAssignments")) == 4


# --- The template and the code cannot drift apart --------------------------------------


def _source_reads(name: str) -> bool:
    folders = ("bot", "config", "common", "entra", "storage", "referrals", "dialogs", "cards")
    files = [ROOT / "app.py", *(f for d in folders for f in (ROOT / d).rglob("*.py"))]
    return any(f'"{name}"' in f.read_text("utf-8") for f in files)


@pytest.mark.parametrize("name", sorted(set(app_settings(WEB)) | set(app_settings(WORKER))))
def test_every_app_setting_is_one_the_bot_or_app_service_reads(name: str) -> None:
    assert name in PLATFORM_SETTINGS or _source_reads(name), (
        f"{name} is set by the template but nothing in the bot reads it"
    )


@pytest.mark.parametrize("app", [WEB, WORKER])
def test_the_settings_the_template_gives_each_app_start_it_in_production(app: str) -> None:
    secrets = {
        "bot-app-password": "not-a-real-password",
        "sma-data-keys": new_key_line(EXAMPLE_VALUES["dataKeyId"]),
        "sma-blind-index-key": new_blind_index_key(),
        "sma-wake-key": str(DEPLOYMENT.value(PARAMETERS["wakeKey"]["defaultValue"])),
    }
    env: dict[str, str] = {}
    for name, raw in app_settings(app).items():
        value = str(DEPLOYMENT.value(raw))
        reference = KEY_VAULT_REFERENCE.fullmatch(value)
        env[name] = secrets[reference[1]] if reference else value
    settings = load_settings(env)
    assert not settings.development_mode
    assert settings.app_type == "SingleTenant"
    assert settings.store == "cosmos"
    assert settings.cosmos_key == ""
    assert settings.cosmos_create_containers is False
    assert settings.data_keys is not None
    assert settings.retention_days == EXAMPLE_VALUES["retentionDays"]
    assert settings.host == "0.0.0.0"  # noqa: S104 - behind App Service's front end
    assert settings.role == {WEB: "web", WORKER: "worker"}[app]


def test_every_parameter_is_described_and_explained_in_the_deployment_guide() -> None:
    for name, parameter in PARAMETERS.items():
        assert parameter.get("metadata", {}).get("description"), name
        assert f"`{name}`" in DEPLOY_DOC, f"docs/deploy.md does not mention `{name}`"
    for categories in OPERATIONAL_LOGS.values():
        for category in categories:
            assert f"`{category}`" in DEPLOY_DOC, f"docs/deploy.md does not justify {category}"
    assert set(EXAMPLE["parameters"]) <= set(PARAMETERS)


def test_every_parameter_and_variable_referred_to_exists_and_each_is_used() -> None:
    assert names_used("parameters") == set(PARAMETERS)
    assert names_used("variables") == set(TEMPLATE["variables"])


def test_every_dependency_and_scope_names_a_resource_in_the_template() -> None:
    for resource in RESOURCES:
        for entry in resource.get("dependsOn", []):
            assert _target(parse(entry)) in RESOURCE_KEYS, f"{resource['type']}: {entry}"
        if "scope" in resource:
            assert _scope_key(resource["scope"]) in RESOURCE_KEYS, resource["scope"]

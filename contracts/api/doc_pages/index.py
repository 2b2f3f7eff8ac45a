"""/doc pages of the relations the HAL index advertises (context=index)."""

from __future__ import annotations

from contracts.api.doc_pages.page import PACT_LIST, PAIR, PROVIDER_PACTS, VERSION, DocPage

INDEX_PAGES: dict[str, DocPage] = {
    "publish-pact": DocPage(
        "Publish a pact (legacy)",
        PAIR + "/version/{consumerApplicationVersion}",
        "The pact a consumer version published for a provider. Today's clients publish through "
        "pb:publish-contracts; this resource is what older clients use, one pact per request.",
        (
            ("GET", "The pact document, with createdAt and links to its consumer, provider, content and results."),
            (
                "PUT",
                "Publish the pact (a JSON pact document). Consumer, provider and version are created when "
                "missing. 201 for a new pact, 200 when the same content was already published; 409 when the "
                "version already published different content, unless "
                "PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION is on.",
            ),
            ("PATCH", "Merge the interactions of the body into the pact already published (409 on a clash)."),
            ("DELETE", "Delete the pact of this consumer version, and its content if no other version uses it."),
        ),
    ),
    "publish-contracts": DocPage(
        "Publish contracts",
        "/contracts/publish",
        "Publishes a consumer version's pacts in one request, with the version's branch, tags and build "
        "URL. Both Pact CLIs use it when the index offers it. Everything is validated before anything is "
        "stored: a bad contract in the batch stores nothing.",
        (
            (
                "POST",
                "Body: pacticipantName, pacticipantVersionNumber, optional branch, tags and buildUrl, and "
                'contracts[] with consumerName, providerName, specification "pact", contentType '
                '"application/json", content (the pact, Base64-encoded) and optional onConflict '
                '("overwrite" or "merge"). The answer lists notices for the CLI to print and links to '
                "the version and each pact.",
            ),
        ),
    ),
    "latest-pact-versions": DocPage(
        "Latest pact of every integration",
        "/pacts/latest",
        "The latest pact of each consumer/provider pair, by consumer then provider name.",
        (("GET", "Each entry has the pair's names, the consumer version and links to the pact."),),
    ),
    "pacts": DocPage(
        "Pacts",
        "/pacts/latest",
        "Links to each pact of this list, titled with the pact's consumer, version and provider.",
        (("GET", "Follow a link to get that pact document."),),
    ),
    "tagged-pact-versions": DocPage(
        "Pact versions with a tag",
        PAIR + "/tag/{tag}",
        "Every pact between the consumer and the provider published by a consumer version carrying the tag.",
        (("GET", PACT_LIST + " 404 when either pacticipant does not exist."),),
    ),
    "branch-pact-versions": DocPage(
        "Pact versions from a branch",
        PAIR + "/branch/{branch}",
        "Every pact between the consumer and the provider published by a consumer version on the branch.",
        (("GET", PACT_LIST),),
    ),
    "latest-branch-pact-versions": DocPage(
        "Latest pact version from a branch",
        PAIR + "/branch/{branch}/latest/versions",
        "The newest pact between the consumer and the provider from a consumer version on the branch, as "
        "a list of at most one.",
        (("GET", PACT_LIST),),
    ),
    "main-branch-pact-versions": DocPage(
        "Pact versions from the consumer's main branch",
        PAIR + "/branch/versions",
        "Every pact between the consumer and the provider published from the consumer's main branch (the "
        "pacticipant's mainBranch). Empty when the consumer has no main branch set.",
        (("GET", PACT_LIST),),
    ),
    "latest-main-branch-pact-versions": DocPage(
        "Latest pact version from the consumer's main branch",
        PAIR + "/branch/latest/versions",
        "The newest pact between the consumer and the provider from the consumer's main branch, as a list "
        "of at most one.",
        (("GET", PACT_LIST),),
    ),
    "provider-pacts-with-main-branch": DocPage(
        "A provider's pacts from its consumers' main branches",
        "/pacts/provider/{provider}/branch",
        "Every pact for the provider published from a version on its consumer's own main branch.",
        (("GET", PROVIDER_PACTS),),
    ),
    "provider-pacts-with-branch": DocPage(
        "A provider's pacts from a consumer branch",
        "/pacts/provider/{provider}/branch/{branch}",
        "Every pact for the provider published by a consumer version on the named branch.",
        (("GET", PROVIDER_PACTS),),
    ),
    "latest-provider-pacts-with-main-branch": DocPage(
        "A provider's latest pacts from its consumers' main branches",
        "/pacts/provider/{provider}/branch/latest",
        "For each consumer, the newest pact for the provider from the consumer's main branch.",
        (("GET", PROVIDER_PACTS),),
    ),
    "latest-provider-pacts-with-branch": DocPage(
        "A provider's latest pacts from a consumer branch",
        "/pacts/provider/{provider}/branch/{branch}/latest",
        "For each consumer, the newest pact for the provider from a consumer version on the named branch.",
        (("GET", PROVIDER_PACTS),),
    ),
    "pacticipants": DocPage(
        "Pacticipants",
        "/pacticipants",
        "Every application known to the broker, consumer or provider, by name.",
        (
            (
                "GET",
                "The pacticipants, embedded. q=TEXT keeps names containing TEXT (ignoring case); page and "
                "size paginate (no pagination unless asked).",
            ),
            (
                "POST",
                "Create a pacticipant: name, and optional displayName, mainBranch, repositoryUrl, "
                "repositoryName, repositoryNamespace. 201 when created, 200 when the name existed (updated).",
            ),
        ),
    ),
    "pacticipant": DocPage(
        "A pacticipant",
        "/pacticipants/{pacticipant}",
        "One application, by its exact (case-sensitive) name: its details, labels, latest version and "
        "current deployments.",
        (
            ("GET", "The pacticipant; 404 when no pacticipant has this name."),
            ("PUT", "Replace the editable fields (those not given are cleared); 404 when it does not exist."),
            ("PATCH", "Update the fields given, creating the pacticipant when it does not exist (201)."),
            ("DELETE", "Delete the pacticipant with its versions, pacts, verification results and deployments."),
        ),
    ),
    "latest-provider-pacts": DocPage(
        "A provider's latest pacts",
        "/pacts/provider/{provider}/latest",
        "For each consumer, the newest pact for the provider. Verifiers that are given no consumer version "
        "selectors start here.",
        (("GET", PROVIDER_PACTS),),
    ),
    "latest-provider-pacts-with-tag": DocPage(
        "A provider's latest pacts with a tag",
        "/pacts/provider/{provider}/latest/{tag}",
        "For each consumer, the newest pact for the provider from a consumer version with the tag.",
        (("GET", PROVIDER_PACTS),),
    ),
    "provider-pacts-with-tag": DocPage(
        "A provider's pacts with a tag",
        "/pacts/provider/{provider}/tag/{tag}",
        "Every pact for the provider published by a consumer version with the tag.",
        (("GET", PROVIDER_PACTS),),
    ),
    "provider-pacts": DocPage(
        "A provider's pacts",
        "/pacts/provider/{provider}",
        "Every pact for the provider, from every consumer version.",
        (("GET", PROVIDER_PACTS),),
    ),
    "latest-version": DocPage(
        "A pacticipant's latest version",
        "/pacticipants/{pacticipant}/latest-version",
        "The version of the pacticipant created most recently.",
        (("GET", "The version, with its branches, tags and links; 404 when it has no versions."),),
    ),
    "latest-tagged-version": DocPage(
        "A pacticipant's latest version with a tag",
        "/pacticipants/{pacticipant}/latest-version/{tag}",
        "The most recently created version of the pacticipant that carries the tag.",
        (("GET", "The version; 404 when no version has the tag."),),
    ),
    "webhooks": DocPage(
        "Webhooks",
        "/webhooks",
        "Webhooks are HTTP requests the broker makes when something happens: a contract is published or "
        "changes, a verification result is published, succeeds or fails, or (Accord's own events) a "
        "server-side verification run succeeds or fails, drift monitoring opens or resolves a drift "
        "incident, or a live target becomes unreachable. Deliveries are recorded first and sent by the "
        "workers, with retries; each attempt is logged with secrets redacted.",
        (
            ("GET", "Links to every webhook."),
            (
                "POST",
                "Create a webhook: events[] ({name}), request (method, url, optional headers, body, "
                "username, password), optional description, enabled, and consumer/provider, each either "
                "{name} or {label}, to scope it. The uuid is generated; 201 with a Location header.",
            ),
        ),
        (
            (
                "events",
                "Events",
                "contract_published, contract_content_changed, contract_requiring_verification_published, "
                "provider_verification_published, provider_verification_succeeded, "
                "provider_verification_failed, and Accord's verification_run_succeeded and "
                "verification_run_failed. URL, headers and body may use ${pactbroker.*} template "
                "parameters (consumerName, providerName, pactUrl, consumerVersionNumber, ...), and URL, "
                "headers, body, username and password may use secrets as ${user.NAME} (accord:secrets).",
            ),
            (
                "drift-events",
                "Drift monitoring events",
                "Accord's drift_detected (a drift incident opened: the provider deployed in an environment "
                "no longer does what a consumer's pact says), drift_resolved (it passes live again) and "
                "live_target_unreachable (a live target stopped answering; once per outage, about the "
                "provider alone, so webhooks scoped to a consumer do not get it). Each is delivered once per "
                "transition, however often a run is retried. Their template parameters: incidentUrl, "
                "environmentName, consumerName, providerName, consumerVersionNumber, providerVersionNumber, "
                "liveRunUrl, liveTargetUrl, driftSummary (the mismatches' paths and descriptions, or why the "
                "target was unreachable) and eventName; parameters that do not apply (pactUrl, the "
                "verification statuses, incidentUrl for an unreachable target) are empty. The target's "
                "credentials never appear in them.",
            ),
            (
                "whitelist",
                "What a webhook may call",
                "The request's scheme must be one of PACT_BROKER_WEBHOOK_SCHEME_WHITELIST (default https) "
                "and its method one of PACT_BROKER_WEBHOOK_HTTP_METHOD_WHITELIST (default POST). Deliveries "
                "go through Accord's one outbound HTTP module, which refuses loopback, private, link-local "
                "and other special addresses unless ACCORD_OUTBOUND_ALLOW (or "
                "PACT_BROKER_WEBHOOK_HOST_WHITELIST) names them.",
            ),
        ),
    ),
    "webhook": DocPage(
        "A webhook",
        "/webhooks/{uuid}",
        "One webhook definition. Secrets are masked in what the broker returns.",
        (
            ("GET", "The webhook, with links to execute it and to what it is scoped to."),
            ("PUT", "Replace the webhook, or create it with this uuid (201)."),
            ("DELETE", "Delete the webhook; deliveries not yet sent are dropped."),
        ),
    ),
    "integrations": DocPage(
        "Integrations",
        "/integrations",
        "The consumer/provider pairs that have exchanged a contract: the broker's network. Each entry "
        "names the pair and links to its pacts, its matrix and the link to delete it.",
        (
            (
                "GET",
                "The integrations, most recently updated first. q=TEXT keeps pairs where the consumer's or "
                "the provider's name contains TEXT (ignoring case); page and size paginate. With Accept: "
                "text/vnd.graphviz the answer is a Graphviz DOT graph of the network instead.",
            ),
            (
                "DELETE",
                "Delete all data: every pacticipant with its versions, pacts, verification results, "
                "deployments, webhooks and their deliveries, and verification runs. Environments stay. "
                "Needs write access.",
            ),
        ),
    ),
    "delete_integration": DocPage(
        "Delete an integration",
        "/integrations/provider/{provider}/consumer/{consumer}",
        "One consumer/provider pair.",
        (
            (
                "DELETE",
                "Delete the pair's pacts (every revision), their content and verification results, and the "
                "integration. The two pacticipants and their versions stay. 404 when the pair has no "
                "integration.",
            ),
        ),
    ),
    "matrix": DocPage(
        "The matrix of an integration",
        "/matrix/provider/{provider}/consumer/{consumer}",
        "Every consumer version / provider version pair of the integration, with the verification result "
        "of the consumer version's pact by the provider version, if any.",
        (("GET", "The matrix rows and a summary, as GET /matrix answers."),),
    ),
    "group": DocPage(
        "The integration's consumer",
        "/pacticipants/{consumer}",
        "The consumer of the integration (where the Pact Broker's UI shows its group of integrations).",
        (("GET", "The pacticipant."),),
    ),
    "pacticipant-version-tag": DocPage(
        "A tag of a pacticipant version",
        VERSION + "/tags/{tag}",
        "A tag on one version of a pacticipant (tags predate branches and environments, and still work).",
        (
            ("GET", "The tag; 404 when the version does not carry it."),
            ("PUT", "Tag the version, creating the pacticipant and the version when missing (201, else 200)."),
            ("DELETE", "Remove the tag from the version."),
        ),
    ),
    "pacticipant-branch": DocPage(
        "A branch of a pacticipant",
        "/pacticipants/{pacticipant}/branches/{branch}",
        "A branch of a pacticipant, whose latest version is the one most recently added to it.",
        (
            ("GET", "The branch, with a link to its latest version."),
            ("DELETE", "Delete the branch; its versions stay."),
        ),
    ),
    "pacticipant-branch-version": DocPage(
        "A version on a branch",
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "A version's membership of a branch.",
        (
            ("GET", "The membership; 404 when the version is not on the branch."),
            (
                "PUT",
                "Add the version to the branch, creating the pacticipant, version and branch when missing "
                "(201, else 200). The version becomes the branch's latest.",
            ),
            ("DELETE", "Take the version off the branch (the version stays)."),
        ),
    ),
    "pacticipant-version": DocPage(
        "A pacticipant version",
        VERSION,
        "One version (usually a git SHA) of a pacticipant, with its branches, tags, pacts and deployments. "
        "The CLIs record deployments and releases from the links here.",
        (
            ("GET", "The version; 404 when it does not exist."),
            ("PUT", "Create or replace the version (buildUrl, tags); a branch in the body is ignored."),
            (
                "PATCH",
                "With Content-Type application/merge-patch+json: update the buildUrl and add tags, "
                "creating the version when missing.",
            ),
            ("DELETE", "Delete the version with its tags, pacts and verification results."),
        ),
    ),
    "metrics": DocPage(
        "Metrics",
        "/metrics",
        "Counts of what the broker stores: pacticipants, integrations, pact publications and contents, "
        "verification results, versions, tags, environments, deployments and releases, webhooks and "
        "their deliveries, and Accord's verification runs by status. Each call counts whole tables, so "
        "poll it every minute or so, not every few seconds.",
        (
            (
                "GET",
                "JSON in the Pact Broker's shape. A Prometheus scraper asking for text/plain; version=0.0.4 "
                "or application/openmetrics-text gets the text exposition instead (accord_pacticipants, "
                'accord_verification_results_total{result="success"}, ...), which /metrics/prometheus '
                "always serves.",
            ),
        ),
    ),
    "can-i-deploy-pacticipant-version-to-tag": DocPage(
        "Can I deploy? (to a tag)",
        "/can-i-deploy?pacticipant={pacticipant}&version={version}&to={tag}",
        "Whether the version can be deployed alongside the latest versions of its integrations that carry "
        "the tag, from the verification results between them.",
        (
            (
                "GET",
                "The matrix rows considered and a summary whose deployable is true, false, or null when "
                "something is unknown, with the reasons. ignore[]=NAME leaves a pacticipant out. 400 naming "
                "what is missing when a parameter is absent.",
            ),
        ),
    ),
    "can-i-deploy-pacticipant-version-to-environment": DocPage(
        "Can I deploy? (to an environment)",
        "/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}",
        "Whether the version can be deployed to the environment: it must have a successful verification "
        "result with every version of its integrations currently deployed or released there.",
        (
            (
                "GET",
                "The matrix rows considered and a summary whose deployable is true, false, or null when "
                "something is unknown, with the reasons. ignore[]=NAME leaves a pacticipant out.",
            ),
        ),
    ),
    "provider-pacts-for-verification": DocPage(
        "Pacts for verification",
        "/pacts/provider/{provider}/for-verification",
        "The pacts a provider version must verify, chosen by consumer version selectors, with whether each "
        "is pending (a failure does not fail the build) and work-in-progress pacts when asked. The "
        "verifiers in every Pact language call it.",
        (
            (
                "POST",
                "Body: consumerVersionSelectors[] (mainBranch, branch, matchingBranch, deployedOrReleased, "
                "deployed, released, environment, tag, latest, consumer, fallbackTag, fallbackBranch), "
                "providerVersionBranch, "
                "providerVersionTags, includePendingStatus, includeWipPactsSince. The answer embeds each pact "
                "with why it was selected and a link to its content.",
            ),
            ("GET", "The same, with the selectors in the query string (deprecated)."),
        ),
    ),
    "environments": DocPage(
        "Environments",
        "/environments",
        "The places versions are deployed to or released into.",
        (
            ("GET", "Every environment; name=NAME keeps the one with that name."),
            (
                "POST",
                "Create an environment: name (no spaces), production (true or false), optional displayName "
                "and contacts. 201 with a Location header; 400 when the name is taken.",
            ),
        ),
    ),
    "environment": DocPage(
        "An environment",
        "/environments/{uuid}",
        "One environment, by uuid, with links to what is deployed or released there.",
        (
            ("GET", "The environment."),
            ("PUT", "Replace the environment's fields (an unknown uuid is a 404: PUT does not create)."),
            ("DELETE", "Delete the environment with its deployment and release records."),
        ),
    ),
    "verification-runs": DocPage(
        "Verification runs (Accord)",
        "/verification-runs",
        "Accord's own: its workers verify a provider build the way provider CI does. They choose the pacts "
        "as pacts-for-verification would for the selectors given, replay them against the build with the "
        "Pact verifier, and publish the results, so they count in the matrix and can-i-deploy.",
        (
            (
                "POST",
                "Queue a run: provider, providerVersion, baseUrl, and optional providerVersionBranch, "
                "providerVersionTags, stateChangeUrl, headers, consumerVersionSelectors, "
                "includePendingStatus, includeWipPactsSince. 201 with a Location header.",
            ),
            (
                "GET",
                "The latest 100 runs, newest first; provider=NAME and status=queued|running|succeeded|"
                "failed|error filter them.",
            ),
        ),
    ),
    "live-targets": DocPage(
        "Live targets (Accord drift monitoring)",
        "/live-targets",
        "Where each provider runs in each environment, and how Accord checks it there: on a schedule and "
        "after deployments, the safe part of the environment's pacts is replayed against the real "
        "provider. Monitoring, not verification: it never records verification results and never changes "
        "a can-i-deploy answer. Headers and auth are credentials: encrypted at rest, always shown masked.",
        (
            ("GET", "Every live target; provider=NAME and environment=NAME filter them, page and size page them."),
            (
                "PUT",
                "On /pacticipants/{provider}/live-targets/{environment}: create (201) or replace (200) a target: "
                "baseUrl, and optional headers, auth (none, basic, bearer or oauth2, optionally per consumer), "
                "schedule ('15m' or a cron expression), rateLimitPerSecond, methods, standingStates, enabled, "
                "paused and maintenanceWindow {from, until}. A PUT replaces: a field left out gets its default. "
                "A masked value sent back keeps the stored secret.",
            ),
            ("POST", "On .../live-targets/{environment}/runs: start a live run now (202; 409 while paused)."),
        ),
    ),
    "drift-incidents": DocPage(
        "Drift incidents (Accord drift monitoring)",
        "/drift-incidents",
        "An interaction whose deployed provider no longer does what the consumer's pact says, found by a "
        "live run: when it opened, the mismatches, the versions deployed then and the deployment before it. "
        "It resolves when the interaction passes live again.",
        (
            (
                "GET",
                "Newest first, paged; status=open|acknowledged|resolved, provider, consumer and environment "
                "(names) filter them. /drift-incidents/{uuid} has the incident's timeline.",
            ),
            ("POST", "On /drift-incidents/{uuid}/acknowledge: {note, by?} (409 once resolved)."),
        ),
    ),
    "secrets": DocPage(
        "Secrets for webhooks (Accord)",
        "/secrets",
        "Values a webhook request needs but no one should read: tokens, passwords. A webhook refers to one "
        "as ${user.NAME} (PactFlow's syntax) in its URL, headers, body, username or password, and it is "
        "filled in only when the request is sent. Values are encrypted at rest (ACCORD_SECRETS_KEYS), never "
        "returned, and masked (**********) in execution logs. A delivery that refers to a secret that does "
        "not exist sends nothing and fails, naming it.",
        (
            ("GET", "Every secret by name: uuid, name, description, createdAt, updatedAt; never the value."),
            (
                "POST",
                "Create a secret: name (a letter, then letters, digits or '_'; unique whatever its case), "
                "value (4 to 8192 characters) and optional description. 201 with a Location header; 409 "
                "when the name is taken.",
            ),
            (
                "PUT",
                "On /secrets/{uuid}: replace the name and description; the value too when one is given (left "
                "out, the stored value is kept). An unknown uuid is a 404: PUT does not create.",
            ),
            ("DELETE", "On /secrets/{uuid}: delete it; webhooks that refer to it fail until it exists again."),
        ),
    ),
    "drift-stats": DocPage(
        "Drift monitoring figures (Accord)",
        "/drift-stats",
        "Per consumer, provider and environment: the live pass rate over the latest runs, open incidents, "
        "mean time to detect and to resolve, and the target's last run.",
        (
            (
                "GET",
                "provider, consumer and environment (names) filter; runs=N (default 20) sets how many of each "
                "target's latest checked runs the figures cover.",
            ),
        ),
    ),
    # --- access control (the access app; admins only) -------------------------------------
    "accounts": DocPage(
        "Accounts (Accord access control)",
        "/admin/accounts",
        "The accounts that hold bearer tokens: people (kind user) and pipelines (kind system). Admins only, "
        "reads included. Accounts are never deleted, so the audit log's names keep meaning: deactivate one "
        "(its tokens stop working) instead.",
        (
            ("GET", "Every account by name, with its teams and how many of its tokens are not revoked."),
            ("POST", "Create one: name, kind (user or system), optional displayName and email. 201."),
            ("PATCH", "On /admin/accounts/{account}: displayName, email, active (false deactivates)."),
        ),
    ),
    "account": DocPage(
        "An account (Accord access control)",
        "/admin/accounts/{account}",
        "One account, with its teams and a link to its tokens.",
        (("GET", "The account."), ("PATCH", "displayName, email, active.")),
    ),
    "tokens": DocPage(
        "An account's tokens (Accord access control)",
        "/admin/accounts/{account}/tokens",
        "Bearer tokens (Authorization: Bearer acc_..., what the Pact clients send with --broker-token or "
        "PACT_BROKER_TOKEN). A token's scopes are read, write (includes read) or admin (includes write). "
        "Only a SHA-256 digest is stored: the token itself is shown once, in the answer that creates it.",
        (
            ("GET", "The account's tokens, newest first, revoked ones included, never their values."),
            (
                "POST",
                'Create one: name, scopes (e.g. ["write"]), optional expiresAt (ISO 8601). 201 with the token '
                "in `token`: copy it now, it is never shown again. A broker without basic-auth users needs "
                "ACCORD_REQUIRE_AUTH=true first (409 otherwise).",
            ),
            ("DELETE", "On /admin/accounts/{account}/tokens/{id}: revoke it (401 from then on); it stays listed."),
        ),
    ),
    "teams": DocPage(
        "Teams (Accord access control)",
        "/admin/teams",
        "Teams own applications: a write about an application a team owns (publishing its pacts or results, "
        "tagging, branching, deploying, deleting) needs a token of one of its members, or an admin. An "
        "application no team owns is writable by every writer. Admins only, reads included.",
        (
            ("GET", "Every team with its members, applications and the restricted environments it may deploy to."),
            ("POST", "Create one: name. 201."),
            ("PUT", "On /admin/teams/{team}/members/{account} or .../applications/{pacticipant}: add it."),
            ("DELETE", "On the same paths: remove it; on /admin/teams/{team}: delete the team."),
        ),
    ),
    "restrictions": DocPage(
        "Restricted environments (Accord access control)",
        "/admin/restrictions",
        "An environment where only members of the teams named (and admins) may record or end deployments "
        "and releases. Admins only, reads included.",
        (
            ("GET", "Every restricted environment with its teams; /admin/restrictions/{environment} one of them."),
            ("PUT", 'On /admin/restrictions/{environment}: {"teams": [...]} (an empty list: admins only).'),
            ("DELETE", "On /admin/restrictions/{environment}: lift the restriction."),
        ),
    ),
    "audit": DocPage(
        "The audit log (Accord)",
        "/audit",
        "Every write through the API and the web UI, recorded in the same transaction as the write: who made "
        "it (user, system account, token), the action and what it changed, the applications and environment "
        "it concerned, when, the client's address, API or UI, and the request id (the X-Request-Id header of "
        "the answer). Never a secret, never a contract's body. Entries older than ACCORD_AUDIT_RETENTION_DAYS "
        "are pruned. Reading it needs the admin scope.",
        (
            (
                "GET",
                "Newest first; actor (a user or system account), application (a pacticipant), action (exact, or a "
                "prefix ending with '.': pact.) and from / to (ISO 8601) filter; size (at most 500) sets the page "
                "size, and the next link (a cursor, after=) leads to older entries.",
            ),
        ),
    ),
}

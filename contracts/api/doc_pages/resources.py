"""/doc pages of the relations of a pact, a pacticipant, a version and webhook collections."""

from __future__ import annotations

from contracts.api.doc_pages.page import PACT_LIST, PAIR, VERSION, DocPage

RESOURCE_PAGES: dict[str, DocPage] = {
    # --- a pact -------------------------------------------------------------------------------
    "consumer": DocPage(
        "The consumer",
        "/pacticipants/{consumer}",
        "The pacticipant that consumes the provider: the one that published the pact.",
        (("GET", "The pacticipant."),),
    ),
    "provider": DocPage(
        "The provider",
        "/pacticipants/{provider}",
        "The pacticipant whose behaviour the pact describes, which verifies it.",
        (("GET", "The pacticipant."),),
    ),
    "consumer-version": DocPage(
        "The consumer version",
        VERSION,
        "The consumer version that published this pact.",
        (("GET", "The version, with its branches, tags and deployments."),),
    ),
    "pact-version": DocPage(
        "The pact's content",
        PAIR + "/pact-version/{sha}",
        "The pact by the SHA of its content: a permanent URL that every consumer version publishing the "
        "same content shares. Verifiers fetch pacts here, and results published from here count for all "
        "of those consumer versions.",
        (("GET", "The pact document."),),
    ),
    "latest-pact-version": DocPage(
        "The latest pact",
        PAIR + "/latest",
        "The pact published by the newest consumer version that published one for this provider.",
        (("GET", "The pact document; 404 when the pair has no pact."),),
    ),
    "all-pact-versions": DocPage(
        "Every version of the pact",
        PAIR + "/versions",
        "Every consumer version's pact between the consumer and the provider.",
        (("GET", PACT_LIST),),
    ),
    "latest-untagged-pact-version": DocPage(
        "The latest untagged pact",
        PAIR + "/latest-untagged",
        "The pact of the newest consumer version that carries no tag.",
        (("GET", "The pact document; 404 when there is none."),),
    ),
    "latest-tagged-pact-version": DocPage(
        "The latest pact with a tag",
        PAIR + "/latest/{tag}",
        "The pact of the newest consumer version carrying the tag.",
        (("GET", "The pact document; 404 when there is none."),),
    ),
    "previous-distinct": DocPage(
        "The previous distinct pact",
        PAIR + "/version/{version}/previous-distinct",
        "The pact of the nearest earlier consumer version (current revisions, by version order) whose "
        "content differs from this one's: what the pact was before its last change.",
        (("GET", "The pact document; 404 when no earlier version published different content."),),
    ),
    "diff-previous-distinct": DocPage(
        "Diff with the previous distinct pact",
        PAIR + "/version/{version}/diff/previous-distinct",
        "What this pact changed from the previous distinct one, as plain text: a title naming both "
        "consumer versions, then a unified diff of the two pacts' content (keys sorted, interactions in "
        "a stable order, so only real changes show).",
        (("GET", "text/plain; a JSON 404 when the pact or a previous distinct version is missing."),),
    ),
    "diff": DocPage(
        "Diff with another pact",
        PAIR + "/pact-version/{sha}/diff/pact-version/{pactVersion}",
        "What differs from the pact content {pactVersion} to this one ({sha}), as a plain text unified "
        "diff. The same between two consumer versions: " + PAIR + "/version/{version}/diff/version/{otherVersion}.",
        (("GET", 'text/plain ("No differences." when the contents match); a JSON 404 when either pact is missing.'),),
    ),
    "pact-webhooks": DocPage(
        "Webhooks of the pact",
        "/webhooks/provider/{provider}/consumer/{consumer}",
        "The webhooks scoped to exactly this consumer and provider.",
        (
            ("GET", "Links to those webhooks."),
            ("POST", "Create a webhook scoped to the pair (the body as for POST /webhooks)."),
        ),
    ),
    "consumer-webhooks": DocPage(
        "Webhooks of the consumer",
        "/webhooks/consumer/{consumer}",
        "The webhooks scoped to the pact's consumer. (The Pact Broker's link uses the provider's name "
        "here; Accord's uses the consumer's.)",
        (
            ("GET", "Links to those webhooks."),
            ("POST", "Create a webhook scoped to the consumer."),
        ),
    ),
    "tag-prod-version": DocPage(
        "Tag the consumer version prod",
        VERSION + "/tags/prod",
        "A shortcut to tag the pact's consumer version with prod.",
        (("PUT", "Add the tag (201, or 200 when the version already has it)."),),
    ),
    "tag-version": DocPage(
        "Tag the consumer version",
        VERSION + "/tags/{tag}",
        "Tags the pact's consumer version.",
        (("PUT", "Add the tag (201, or 200 when the version already has it)."),),
    ),
    "publish-verification-results": DocPage(
        "Publish a verification result",
        PAIR + "/pact-version/{sha}/verification-results",
        "Where a verifier publishes the result of verifying this pact content with a provider version.",
        (
            (
                "POST",
                "Body: success (true or false), providerApplicationVersion, optional buildUrl, testResults "
                "and verifiedBy. The provider version is created when missing. 201 with the result.",
            ),
        ),
    ),
    "latest-verification-results": DocPage(
        "The latest verification result",
        PAIR + "/pact-version/{sha}/verification-results/latest",
        "The newest verification result of this pact content, by any provider version.",
        (("GET", "The result; 404 when the content was never verified."),),
    ),
    "triggered-webhooks": DocPage(
        "Webhooks triggered by this pact",
        PAIR + "/version/{version}/triggered-webhooks",
        "The webhook deliveries the publication of this pact caused. A verification result's "
        "pb:triggered-webhooks (" + PAIR + "/pact-version/{sha}/verification-results/{number}/triggered-webhooks) "
        "lists those its publication caused "
        "(provider_verification_published, _succeeded or _failed), in the same shape.",
        (("GET", "Each delivery with its status (not_run, retrying, success, failure) and a link to its logs."),),
    ),
    "matrix-for-consumer-version": DocPage(
        "The matrix for the consumer version",
        "/matrix?q[][pacticipant]={consumer}&q[][version]={version}&latestby=cvpv",
        "The matrix rows of the pact's consumer version: which provider versions verified it, and how.",
        (("GET", "The matrix rows and a summary."),),
    ),
    # --- a pacticipant ------------------------------------------------------------------------
    "versions": DocPage(
        "The pacticipant's versions",
        "/pacticipants/{pacticipant}/versions",
        "The versions of the pacticipant, newest first.",
        (("GET", "The versions, embedded; page and size paginate."),),
    ),
    "branches": DocPage(
        "The pacticipant's branches",
        "/pacticipants/{pacticipant}/branches",
        "The branches of the pacticipant.",
        (
            ("GET", "The branches, embedded; q=TEXT filters by name, page and size paginate."),
            (
                "DELETE",
                "Delete every branch except the main branch and those named in exclude[]; the versions stay. "
                "202 with a notice saying what was deleted.",
            ),
        ),
    ),
    "version": DocPage(
        "A version of the pacticipant",
        VERSION,
        "One version of this pacticipant, by number.",
        (
            ("GET", "The version."),
            ("PUT", "Create or replace the version."),
            ("PATCH", "Merge-patch the version, creating it when missing."),
            ("DELETE", "Delete the version with its tags, pacts and verification results."),
        ),
    ),
    "version-tag": DocPage(
        "A tag on a version of the pacticipant",
        VERSION + "/tags/{tag}",
        "Tags a version of this pacticipant. The Rust verifier uses it to tag provider versions.",
        (
            ("GET", "The tag."),
            ("PUT", "Tag the version, creating the version when missing (201, else 200)."),
            ("DELETE", "Remove the tag."),
        ),
    ),
    "branch-version": DocPage(
        "A version on a branch of the pacticipant",
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "Adds versions of this pacticipant to a branch. The Rust verifier uses it for provider versions.",
        (
            ("GET", "The membership."),
            ("PUT", "Add the version to the branch, creating what is missing (201, else 200)."),
            ("DELETE", "Take the version off the branch."),
        ),
    ),
    "label": DocPage(
        "A label of the pacticipant",
        "/pacticipants/{pacticipant}/labels/{label}",
        "Free-form labels on pacticipants; webhooks can be scoped to pacticipants by label.",
        (
            ("GET", "The label; 404 when the pacticipant does not carry it."),
            ("PUT", "Add the label (201, or 200 when it was there)."),
            ("DELETE", "Remove the label."),
        ),
    ),
    "can-i-deploy-badge": DocPage(
        "Can-I-deploy badge (tags)",
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{environmentTag}/badge",
        "An SVG badge saying whether the latest version of the pacticipant with the tag can be deployed "
        "alongside the versions tagged environmentTag.",
        (("GET", "The badge (image/svg+xml); a grey badge when the answer is unknown."),),
    ),
    "can-i-deploy-branch-to-environment-badge": DocPage(
        "Can-I-deploy badge (branch to environment)",
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge",
        "An SVG badge saying whether the latest version of the pacticipant on the branch can be deployed "
        "to the environment.",
        (("GET", "The badge (image/svg+xml)."),),
    ),
    "deployed-environments": DocPage(
        "Deployments",
        "/deployed-versions/{uuid}",
        "Links to the deployment records shown here (of this pacticipant's versions that are currently "
        "deployed, or of this version), named by environment.",
        (
            ("GET", "The deployment record: version, environment, application instance and dates."),
            ("PATCH", 'Body {"currentlyDeployed": false} records that the version was undeployed.'),
        ),
    ),
    # --- a version ----------------------------------------------------------------------------
    "tag": DocPage(
        "A tag of this version",
        VERSION + "/tags/{tag}",
        "Tags this version.",
        (
            ("GET", "The tag."),
            ("PUT", "Add the tag (201, or 200 when the version has it)."),
            ("DELETE", "Remove the tag."),
        ),
    ),
    "latest-verification-results-where-pacticipant-is-consumer": DocPage(
        "Latest verification results of this consumer version",
        "/verification-results/consumer/{consumer}/version/{version}/latest",
        "For each provider this version has a pact with, the newest verification result of that pact.",
        (("GET", "The results, which providers succeeded, failed or never verified, and whether all succeeded."),),
    ),
    "pact-versions": DocPage(
        "Pacts of this version",
        PAIR + "/version/{version}",
        "Links to the pacts this consumer version published, one per provider.",
        (("GET", "Follow a link to get that pact."),),
    ),
    "released-environments": DocPage(
        "Releases of this version",
        "/released-versions/{uuid}",
        "Links to the release records of this version, named by environment.",
        (
            ("GET", "The release record."),
            ("PATCH", 'Body {"currentlySupported": false} records the end of support for the release.'),
        ),
    ),
    "record-deployment": DocPage(
        "Record a deployment",
        VERSION + "/deployed-versions/environment/{environmentUuid}",
        "One link per environment, named by the environment's name: the CLIs pick theirs by name.",
        (
            (
                "POST",
                "Record that the version is deployed to the environment (optional applicationInstance). The "
                "deployment it replaces on the same instance is marked undeployed.",
            ),
            ("GET", "This version's deployments to the environment."),
        ),
    ),
    "record-release": DocPage(
        "Record a release",
        VERSION + "/released-versions/environment/{environmentUuid}",
        "One link per environment, named by the environment's name. Several releases can be supported in "
        "an environment at once.",
        (
            ("POST", "Record that the version is released into the environment (201, or 200 when it was)."),
            ("GET", "This version's release into the environment."),
        ),
    ),
    # --- webhook collections (curie /doc/webhooks-{rel}) ------------------------------------------
    "webhooks-create": DocPage(
        "Create a webhook",
        "/webhooks",
        "POST a webhook definition to this collection; one posted to a scoped collection (for a consumer "
        "and/or provider) is scoped to them.",
        (("POST", "The webhook as described on the webhooks page; 201 with a Location header."),),
    ),
    "webhooks-webhooks": DocPage(
        "The webhooks of this collection",
        "/webhooks/{uuid}",
        "One link per webhook, titled with what the webhook applies to.",
        (("GET", "Follow a link to get the webhook."),),
    ),
}

//! Rules reported while loading the workspace (parsing, schema, resolution) and by
//! suppression bookkeeping. They have no check of their own, only metadata and docs.

use crate::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read as YAML: a syntax error, a duplicate key, invalid
    /// UTF-8, an unsupported tag, aliases that expand without bound, nesting that is too deep,
    /// or a file over the size limit.
    ///
    /// ## Why it matters
    /// Nothing else can be checked in a file kpic cannot read, and YAML that other tools read
    /// differently (duplicate keys, custom tags) hides mistakes.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: refund-rate
    ///     id: refund-ratio
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: refund-rate
    /// ```
    pub static YAML_SYNTAX = {
        code: "E001",
        name: "yaml-syntax",
        level: Error,
        summary: "unparseable YAML, duplicate keys, invalid UTF-8, alias bombs, oversized files",
    }
}

declare_rule! {
    /// ## What it does
    /// Checks each spec file against the spec JSON Schema (`kpic schema`): the types of
    /// values, the keys allowed in each place (with a did-you-mean for typos), the ID pattern
    /// `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`, and the required `version`, `id` and `name`.
    ///
    /// ## Why it matters
    /// A misspelt key such as `tagret` is otherwise silently ignored, and the KPI looks as if
    /// it had no target at all.
    ///
    /// ## Example
    /// ```yaml
    /// kpis:
    ///   - id: refund-rate
    ///     name: Refund rate
    ///     tagret: "< 2 %"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kpis:
    ///   - id: refund-rate
    ///     name: Refund rate
    ///     target: "< 2 %"
    /// ```
    pub static SCHEMA = {
        code: "E002",
        name: "schema",
        level: Error,
        summary: "a schema violation: wrong type, unknown key, bad ID",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an ID used twice for the same kind of item (team, owner, duty or KPI) anywhere
    /// in the workspace, labelling both places.
    ///
    /// ## Why it matters
    /// References resolve by ID: with two KPIs called `refund-rate`, scorecards and the
    /// handbook would silently mix them up.
    ///
    /// ## Example
    /// ```yaml
    /// # a.yaml
    /// kpis:
    ///   - id: refund-rate
    /// # b.yaml
    /// kpis:
    ///   - id: refund-rate
    /// ```
    ///
    /// ## Use instead
    /// Give each item its own ID, e.g. `refund-rate-eu` and `refund-rate-us`.
    pub static DUPLICATE_ID = {
        code: "E003",
        name: "duplicate-id",
        level: Error,
        summary: "the same ID twice for one kind",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an `owner`, `duty`, `contributors`, `consulted` or `informed` entry, team `lead`,
    /// `supports` entry (an objective) or `parent` (a team's team, an objective's objective)
    /// that names no defined ID, suggesting the closest one.
    ///
    /// ## Why it matters
    /// A typo in an owner ID leaves a KPI without an accountable person while looking owned.
    ///
    /// ## Example
    /// ```yaml
    /// owners:
    ///   - id: li-na
    /// kpis:
    ///   - id: market-research-reports
    ///     owner: li-na2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     owner: li-na
    /// ```
    pub static UNKNOWN_REFERENCE = {
        code: "E004",
        name: "unknown-reference",
        level: Error,
        summary: "a reference (owner, duty, contributor, consulted, informed, lead, supports, parent) that names no defined ID",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `# kpic: ignore[...]` comment that silenced nothing. A suppression silences
    /// the listed rules (codes or names) for findings on its own line or the line right below.
    /// X001 also reports an unknown rule inside `ignore[...]` and a `# kpic:` comment that is
    /// not a well-formed `ignore[...]`. A suppression of a rule that is turned off is not
    /// reported.
    ///
    /// ## Why it matters
    /// Stale suppressions hide the next real problem on that line and make readers think
    /// something is wrong there.
    ///
    /// ## Example
    /// ```yaml
    /// # kpic: ignore[T001] -- seasonal KPI
    /// period: monthly
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment once the finding it silenced is fixed.
    pub static UNUSED_SUPPRESSION = {
        code: "X001",
        name: "unused-suppression",
        level: Warning,
        summary: "a kpic: ignore[...] that silenced nothing",
    }
}

//! The typed spec model, built leniently from the YAML tree: every value keeps its span, and
//! values of the wrong type are left out (the schema reports them), so that rules still run
//! on the rest of a file with a schema error.

pub(crate) mod codec;

use std::sync::OnceLock;

use crate::date::Date;
use crate::source::{FileId, Span};
use crate::target::Target;
use crate::workspace::yaml::{Entry, Node, Value};

/// Text of the model: strings of up to 24 bytes (IDs, owner and duty references, periods,
/// short names) are stored inline, without a heap allocation of their own. A workspace holds
/// hundreds of thousands of such values for its whole run; as `String`s they were a third of
/// its peak memory.
pub type Text = compact_str::CompactString;

/// A user value with its span. (Not the span of its key: no finding points there, and a
/// workspace holds a few hundred thousand of these for its whole run.)
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// The bytes of the value.
    pub span: Span,
}

/// The value, unless it is missing or only whitespace (which counts as missing).
pub fn filled(v: &Option<Spanned<Text>>) -> Option<&Spanned<Text>> {
    v.as_ref()
        .filter(|s| !s.value.chars().all(char::is_whitespace))
}

impl Spanned<Text> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// One spec file's content.
#[derive(Debug, Clone, Default)]
pub struct SpecFile {
    /// The file it came from.
    pub file: FileId,
    /// `version`, when it is a number.
    pub version: Option<Spanned<f64>>,
    /// The team, when the file declares one.
    pub team: Option<Team>,
    /// Objectives defined here: what the company or a department is after.
    pub objectives: Vec<Objective>,
    /// Owners defined here.
    pub owners: Vec<Owner>,
    /// Duties defined here (they belong to `team`).
    pub duties: Vec<Duty>,
    /// KPIs defined here (they belong to `team`).
    pub kpis: Vec<Kpi>,
    /// The span of the whole document.
    pub root_span: Span,
}

/// A team: the unit a handbook is written for.
#[derive(Debug, Clone)]
pub struct Team {
    /// The `team` key.
    pub key_span: Span,
    /// `id`.
    pub id: Option<Spanned<Text>>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
    /// `locale`: `en` or `zh-CN`.
    pub locale: Option<Spanned<Text>>,
    /// `review`: how often the KPI set is reviewed.
    pub review: Option<Spanned<Text>>,
    /// `lead`: an owner ID.
    pub lead: Option<Spanned<Text>>,
    /// `parent`: the ID of the team this one belongs to.
    pub parent: Option<Spanned<Text>>,
}

/// What the company or a department is after; KPIs `support` it.
#[derive(Debug, Clone)]
pub struct Objective {
    /// The span of the whole item.
    pub span: Span,
    /// `id`.
    pub id: Spanned<Text>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
    /// `owner`: an owner ID.
    pub owner: Option<Spanned<Text>>,
    /// `parent`: the ID of an objective this one serves.
    pub parent: Option<Spanned<Text>>,
}

/// A person who can be accountable for duties and KPIs.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The span of the whole item.
    pub span: Span,
    /// `id`.
    pub id: Spanned<Text>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
    /// `title`.
    pub title: Option<Spanned<Text>>,
    /// `email`.
    pub email: Option<Spanned<Text>>,
}

/// A job responsibility.
#[derive(Debug, Clone)]
pub struct Duty {
    /// The span of the whole item.
    pub span: Span,
    /// `id`.
    pub id: Spanned<Text>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
    /// `description`.
    pub description: Option<Spanned<Text>>,
    /// `owner`: an owner ID.
    pub owner: Option<Spanned<Text>>,
}

/// A key performance indicator.
#[derive(Debug, Clone)]
pub struct Kpi {
    /// The span of the whole item.
    pub span: Span,
    /// `id`.
    pub id: Spanned<Text>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
    /// `duty`: a duty ID.
    pub duty: Option<Spanned<Text>>,
    /// `owner`: the one accountable owner ID.
    pub owner: Option<Spanned<Text>>,
    /// `contributors`: owner IDs responsible for the result (RACI's R).
    pub contributors: Vec<Spanned<Text>>,
    /// `metric`: what exactly is counted or measured.
    pub metric: Option<Spanned<Text>>,
    /// `target`, as written (a string, a number or a mapping); see [`crate::target`].
    pub target: Option<Spanned<Node>>,
    /// `baseline`: the current level.
    pub baseline: Option<Spanned<f64>>,
    /// `range`: `[min, max]` of the measure, `null` for open ends.
    pub range: Option<Spanned<(Option<f64>, Option<f64>)>>,
    /// `period`: the measurement window.
    pub period: Option<Spanned<Text>>,
    /// `due`: a date or an ISO 8601 duration.
    pub due: Option<Spanned<Text>>,
    /// `weight`: percent of the owner's scorecard.
    pub weight: Option<Spanned<f64>>,
    /// `source`: where the actual value comes from.
    pub source: Option<Spanned<Text>>,
    /// `formula`: how the value is computed.
    pub formula: Option<Spanned<Text>>,
    /// Alignment, the rest of RACI, the threshold and the dates in force, when any is written
    /// (boxed: most KPIs have none, and the workspace keeps every KPI for its whole run).
    extra: Option<Box<KpiExtra>>,
    /// The target parsed, on first use: several rules read it.
    parsed_target: OnceLock<Option<Target>>,
    /// The fields written with a value of the wrong type (a bit per [`KpiField`]): the schema
    /// reports them (E002), and rules must not call them missing.
    wrong_type: u32,
}

/// The optional fields of a KPI beyond the SMART ones (DESIGN §1, "Alignment, RACI,
/// thresholds and effective dates").
#[derive(Debug, Clone, Default)]
struct KpiExtra {
    /// `supports`: objective IDs.
    supports: Vec<Spanned<Text>>,
    /// `consulted`: owner IDs consulted before a change (RACI's C).
    consulted: Vec<Spanned<Text>>,
    /// `informed`: owner IDs told of the results (RACI's I).
    informed: Vec<Spanned<Text>>,
    /// `kind`: `leading` or `lagging`.
    kind: Option<Spanned<Text>>,
    /// `threshold`, as written, in the target grammar.
    threshold: Option<Spanned<Node>>,
    /// `effective`: the first day in force, `YYYY-MM-DD`.
    effective: Option<Spanned<Text>>,
    /// `until`: the last day in force, `YYYY-MM-DD`.
    until: Option<Spanned<Text>>,
    /// The threshold parsed, on first use.
    parsed_threshold: OnceLock<Option<Target>>,
}

impl KpiExtra {
    fn is_empty(&self) -> bool {
        self.supports.is_empty()
            && self.consulted.is_empty()
            && self.informed.is_empty()
            && self.kind.is_none()
            && self.threshold.is_none()
            && self.effective.is_none()
            && self.until.is_none()
    }
}

/// Declares the keys of a KPI that the model reads (other than `id`): the enum, and the key
/// of each variant, written once.
macro_rules! kpi_fields {
    ($($field:ident => $key:literal,)*) => {
        /// A key of a KPI that the model reads (other than `id`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum KpiField {
            $(#[doc = concat!("`", $key, "`")] $field,)*
        }

        impl KpiField {
            /// The field of a key.
            pub(crate) fn of(key: &str) -> Option<KpiField> {
                match key {
                    $($key => Some(KpiField::$field),)*
                    _ => None,
                }
            }
        }

        /// Number of [`KpiField`]s.
        const KPI_FIELDS: usize = [$(KpiField::$field),*].len();
    };
}

kpi_fields! {
    Name => "name",
    Duty => "duty",
    Owner => "owner",
    Contributors => "contributors",
    Metric => "metric",
    Target => "target",
    Baseline => "baseline",
    Range => "range",
    Period => "period",
    Due => "due",
    Weight => "weight",
    Source => "source",
    Formula => "formula",
    Supports => "supports",
    Consulted => "consulted",
    Informed => "informed",
    Kind => "kind",
    Threshold => "threshold",
    Effective => "effective",
    Until => "until",
}

impl SpecFile {
    /// Builds the model of one document. Never fails: what does not fit is left out.
    pub fn from_node(file: FileId, root: &Node) -> SpecFile {
        let mut spec = SpecFile {
            file,
            root_span: root.span,
            ..SpecFile::default()
        };
        if root.as_map().is_none() {
            return spec;
        }
        spec.version = field(root, "version", Node::as_f64);
        if let Some(e) = root.entry("team")
            && e.value.as_map().is_some()
        {
            let t = &e.value;
            spec.team = Some(Team {
                key_span: e.key.span,
                id: text(t, "id"),
                name: text(t, "name"),
                locale: text(t, "locale"),
                review: text(t, "review"),
                lead: text(t, "lead"),
                parent: text(t, "parent"),
            });
        }
        spec.objectives = with_id(root, "objectives", |item, id| Objective {
            span: item.span,
            id,
            name: text(item, "name"),
            owner: text(item, "owner"),
            parent: text(item, "parent"),
        });
        spec.owners = with_id(root, "owners", |item, id| Owner {
            span: item.span,
            id,
            name: text(item, "name"),
            title: text(item, "title"),
            email: text(item, "email"),
        });
        spec.duties = with_id(root, "duties", |item, id| Duty {
            span: item.span,
            id,
            name: text(item, "name"),
            description: text(item, "description"),
            owner: text(item, "owner"),
        });
        spec.kpis = with_id(root, "kpis", Kpi::from_node);
        spec
    }
}

/// The items with an `id` of the list under `key`, built by `build`. The model outlives the
/// YAML tree for the whole run: the list is reserved at its final size when every item has an
/// `id`, and holds no spare capacity otherwise.
fn with_id<T>(root: &Node, key: &str, build: impl Fn(&Node, Spanned<Text>) -> T) -> Vec<T> {
    let mut out = Vec::with_capacity(items(root, key).count());
    for item in items(root, key) {
        if let Some(id) = text(item, "id") {
            out.push(build(item, id));
        }
    }
    out.shrink_to_fit();
    out
}

/// The entries of one KPI by field, read once each, noting the values of the wrong type.
struct Fields<'a> {
    at: [Option<&'a Entry>; KPI_FIELDS],
    wrong_type: u32,
}

impl<'a> Fields<'a> {
    /// One pass over the item's keys; the first entry of a key wins, as with `Node::entry`.
    fn of(item: &'a Node) -> Fields<'a> {
        let mut at = [None; KPI_FIELDS];
        for e in item.as_map().unwrap_or_default() {
            if let Some(f) = KpiField::of(e.key_str())
                && at[f as usize].is_none()
            {
                at[f as usize] = Some(e);
            }
        }
        Fields { at, wrong_type: 0 }
    }

    /// Notes that `f` is written, not null, and yet not read: its value has the wrong type.
    fn not_read(&mut self, f: KpiField, e: &Entry) {
        if !matches!(e.value.value, Value::Null) {
            self.wrong_type |= 1 << f as u32;
        }
    }

    /// The value of `f`, converted by `conv`.
    fn read<T>(&mut self, f: KpiField, conv: impl Fn(&Node) -> Option<T>) -> Option<Spanned<T>> {
        let e = self.at[f as usize]?;
        let v = field_of(Some(e), conv);
        if v.is_none() {
            self.not_read(f, e);
        }
        v
    }

    fn text(&mut self, f: KpiField) -> Option<Spanned<Text>> {
        self.read(f, as_text)
    }

    fn f64(&mut self, f: KpiField) -> Option<Spanned<f64>> {
        self.read(f, Node::as_f64)
    }

    /// A target-like value as written (a null is not written).
    fn node(&mut self, f: KpiField) -> Option<Spanned<Node>> {
        self.read(f, |n| (!matches!(n.value, Value::Null)).then(|| n.clone()))
    }

    /// A list of IDs: its string items.
    fn ids(&mut self, f: KpiField) -> Vec<Spanned<Text>> {
        let Some(e) = self.at[f as usize] else {
            return Vec::new();
        };
        let Some(seq) = e.value.as_seq() else {
            self.not_read(f, e);
            return Vec::new();
        };
        // Room for exactly the items: `collect` on a filtered list would reserve four (160
        // bytes) for the usual one, for the whole run.
        let mut list = Vec::with_capacity(seq.iter().filter(|n| n.as_str().is_some()).count());
        list.extend(seq.iter().filter_map(|n| {
            n.as_str().map(|s| Spanned {
                value: Text::new(s),
                span: n.span,
            })
        }));
        list
    }
}

impl Kpi {
    fn from_node(item: &Node, id: Spanned<Text>) -> Kpi {
        use KpiField as F;
        let mut f = Fields::of(item);
        let extra = KpiExtra {
            supports: f.ids(F::Supports),
            consulted: f.ids(F::Consulted),
            informed: f.ids(F::Informed),
            kind: f.text(F::Kind),
            threshold: f.node(F::Threshold),
            effective: f.text(F::Effective),
            until: f.text(F::Until),
            parsed_threshold: OnceLock::new(),
        };
        Kpi {
            span: item.span,
            id,
            name: f.text(F::Name),
            duty: f.text(F::Duty),
            owner: f.text(F::Owner),
            contributors: f.ids(F::Contributors),
            metric: f.text(F::Metric),
            target: f.node(F::Target),
            baseline: f.f64(F::Baseline),
            range: f.read(F::Range, range),
            period: f.text(F::Period),
            due: f.text(F::Due),
            weight: f.f64(F::Weight),
            source: f.text(F::Source),
            formula: f.text(F::Formula),
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
            parsed_target: OnceLock::new(),
            wrong_type: f.wrong_type,
        }
    }

    /// The target as a comparison against a number, when it is written and measurable (parsed
    /// once, however many rules ask).
    pub fn parsed_target(&self) -> Option<&Target> {
        self.parsed_target
            .get_or_init(|| parse_target(&self.target))
            .as_ref()
    }

    /// Whether `field` (a key such as `weight`) is written with a value of the wrong type,
    /// which the schema reports: a rule must not call it missing.
    pub fn has_wrong_type(&self, field: &str) -> bool {
        KpiField::of(field).is_some_and(|f| self.wrong_type >> f as u32 & 1 == 1)
    }

    /// The span to point at when something is missing from this KPI: its `id` value.
    pub fn anchor(&self) -> Span {
        self.id.span
    }

    /// `supports`: the objective IDs this KPI serves.
    pub fn supports(&self) -> &[Spanned<Text>] {
        self.extra.as_ref().map_or(&[], |x| &x.supports)
    }

    /// `consulted`: owner IDs consulted before a change (RACI's C).
    pub fn consulted(&self) -> &[Spanned<Text>] {
        self.extra.as_ref().map_or(&[], |x| &x.consulted)
    }

    /// `informed`: owner IDs told of the results (RACI's I).
    pub fn informed(&self) -> &[Spanned<Text>] {
        self.extra.as_ref().map_or(&[], |x| &x.informed)
    }

    /// `kind`: `leading` or `lagging`, as written.
    pub fn kind(&self) -> Option<&Spanned<Text>> {
        self.extra.as_ref()?.kind.as_ref()
    }

    /// `threshold`, as written.
    pub fn threshold(&self) -> Option<&Spanned<Node>> {
        self.extra.as_ref()?.threshold.as_ref()
    }

    /// The threshold as a comparison against a number, when it is written and parses.
    pub fn parsed_threshold(&self) -> Option<&Target> {
        let x = self.extra.as_ref()?;
        x.parsed_threshold
            .get_or_init(|| parse_target(&x.threshold))
            .as_ref()
    }

    /// `effective`, as written.
    pub fn effective(&self) -> Option<&Spanned<Text>> {
        self.extra.as_ref()?.effective.as_ref()
    }

    /// `until`, as written.
    pub fn until(&self) -> Option<&Spanned<Text>> {
        self.extra.as_ref()?.until.as_ref()
    }

    /// The first day this KPI is in force, when `effective` is a date.
    pub fn effective_date(&self) -> Option<Date> {
        self.effective().and_then(|d| Date::parse(d.value.trim()))
    }

    /// The last day this KPI is in force, when `until` is a date.
    pub fn until_date(&self) -> Option<Date> {
        self.until().and_then(|d| Date::parse(d.value.trim()))
    }

    /// Whether this KPI is in force on `day`: `effective` ≤ `day` ≤ `until`, where each is
    /// written as a date (an open end otherwise).
    pub fn in_force_on(&self, day: Date) -> bool {
        self.effective_date().is_none_or(|from| from <= day)
            && self.until_date().is_none_or(|to| day <= to)
    }
}

fn parse_target(node: &Option<Spanned<Node>>) -> Option<Target> {
    node.as_ref()
        .and_then(|t| crate::target::parse_node(&t.value).ok())
}

fn range(n: &Node) -> Option<(Option<f64>, Option<f64>)> {
    let seq = n.as_seq()?;
    if seq.len() != 2 {
        return None;
    }
    let bound = |n: &Node| match n.value {
        Value::Null => Some(None),
        _ => n.as_f64().map(Some),
    };
    Some((bound(&seq[0])?, bound(&seq[1])?))
}

/// The items of the list under `key`.
fn items<'a>(node: &'a Node, key: &str) -> impl Iterator<Item = &'a Node> {
    node.get(key)
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|n| n.as_map().is_some())
}

/// The value under `key`, converted by `f`, with its spans.
fn field<T>(node: &Node, key: &str, f: impl Fn(&Node) -> Option<T>) -> Option<Spanned<T>> {
    field_of(node.entry(key), f)
}

/// The value of an entry, converted by `f`, with its spans.
fn field_of<T>(e: Option<&Entry>, f: impl Fn(&Node) -> Option<T>) -> Option<Spanned<T>> {
    let e = e?;
    Some(Spanned {
        value: f(&e.value)?,
        span: e.value.span,
    })
}

/// A string value as model text (only strings: a number where text belongs is a schema error).
fn as_text(n: &Node) -> Option<Text> {
    match &n.value {
        Value::Str(s) => Some(Text::new(s)),
        _ => None,
    }
}

/// The string under `key`.
fn text(node: &Node, key: &str) -> Option<Spanned<Text>> {
    field(node, key, as_text)
}

//! The typed spec model, built leniently from the YAML tree: every value keeps its span, and
//! values of the wrong type are left out (the schema reports them), so that rules still run
//! on the rest of a file with a schema error.

pub(crate) mod codec;

use std::sync::OnceLock;

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

/// A key performance indicator. The fields that resolution and the workspace rules read for
/// every KPI come first, in this order, so that their passes over all KPIs touch few cache
/// lines of each.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Kpi {
    /// The span of the whole item.
    pub span: Span,
    /// `id`.
    pub id: Spanned<Text>,
    /// `owner`: the one accountable owner ID.
    pub owner: Option<Spanned<Text>>,
    /// `duty`: a duty ID.
    pub duty: Option<Spanned<Text>>,
    /// `contributors`: owner IDs responsible or consulted.
    pub contributors: Vec<Spanned<Text>>,
    /// `weight`: percent of the owner's scorecard.
    pub weight: Option<Spanned<f64>>,
    /// `name`.
    pub name: Option<Spanned<Text>>,
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
    /// `source`: where the actual value comes from.
    pub source: Option<Spanned<Text>>,
    /// `formula`: how the value is computed.
    pub formula: Option<Spanned<Text>>,
    /// The target parsed, on first use: several rules read it.
    parsed_target: OnceLock<Option<Target>>,
    /// The fields written with a value of the wrong type (bits by [`kpi_field`]): the schema
    /// reports them (E002), and rules must not call them missing.
    wrong_type: u16,
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
            {
                let t = &e.value;
                spec.team = Some(Team {
                    key_span: e.key.span,
                    id: text(t, "id"),
                    name: text(t, "name"),
                    locale: text(t, "locale"),
                    review: text(t, "review"),
                    lead: text(t, "lead"),
                });
            }
        }
        spec.owners.reserve_exact(items(root, "owners").count());
        for item in items(root, "owners") {
            if let Some(id) = text(item, "id") {
                spec.owners.push(Owner {
                    span: item.span,
                    id,
                    name: text(item, "name"),
                    title: text(item, "title"),
                    email: text(item, "email"),
                });
            }
        }
        spec.duties.reserve_exact(items(root, "duties").count());
        for item in items(root, "duties") {
            if let Some(id) = text(item, "id") {
                spec.duties.push(Duty {
                    span: item.span,
                    id,
                    name: text(item, "name"),
                    description: text(item, "description"),
                    owner: text(item, "owner"),
                });
            }
        }
        spec.kpis.reserve_exact(items(root, "kpis").count());
        for item in items(root, "kpis") {
            if let Some(id) = text(item, "id") {
                spec.kpis.push(Kpi::from_node(item, id));
            }
        }
        // The model outlives the YAML tree for the whole run: no spare capacity (a list of 20
        // KPIs would otherwise hold room for 32). The lists are reserved at their final size
        // above, so this only reallocates when items without an `id` were left out; growing
        // them item by item cost as much as building the KPIs (every reallocation copies and
        // touches fresh pages).
        spec.owners.shrink_to_fit();
        spec.duties.shrink_to_fit();
        spec.kpis.shrink_to_fit();
        spec
    }
}

impl Kpi {
    fn from_node(item: &Node, id: Spanned<Text>) -> Kpi {
        // One pass over the item's keys (a KPI has about 14; looking each field up by name
        // compared every key with every field). The first entry of a key wins, as with
        // `Node::entry`.
        let mut at: [Option<&Entry>; KPI_FIELDS] = [None; KPI_FIELDS];
        for e in item.as_map().unwrap_or_default() {
            if let Some(i) = kpi_field(e.key_str())
                && at[i].is_none()
            {
                at[i] = Some(e);
            }
        }
        let [
            name,
            duty,
            owner,
            contributors,
            metric,
            target,
            baseline,
            range_at,
            period,
            due,
        ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(|i| at[i]);
        let [weight, source, formula] = [10, 11, 12].map(|i| at[i]);
        let contributors_read = contributors.is_some_and(|e| e.value.as_seq().is_some());
        let contributors = contributors
            .and_then(|e| e.value.as_seq())
            .map(|seq| {
                // Room for exactly the items: `collect` on a filtered list would reserve four
                // (160 bytes) for the usual one contributor, for the whole run.
                let mut list =
                    Vec::with_capacity(seq.iter().filter(|n| n.as_str().is_some()).count());
                list.extend(seq.iter().filter_map(|n| {
                    n.as_str().map(|s| Spanned {
                        value: Text::new(s),
                        span: n.span,
                    })
                }));
                list
            })
            .unwrap_or_default();
        let mut kpi = Kpi {
            span: item.span,
            id,
            name: text_of(name),
            duty: text_of(duty),
            owner: text_of(owner),
            contributors,
            metric: text_of(metric),
            target: field_of(target, |n| {
                (!matches!(n.value, Value::Null)).then(|| n.clone())
            }),
            baseline: field_of(baseline, Node::as_f64),
            range: field_of(range_at, range),
            period: text_of(period),
            due: text_of(due),
            weight: field_of(weight, Node::as_f64),
            source: text_of(source),
            formula: text_of(formula),
            parsed_target: OnceLock::new(),
            wrong_type: 0,
        };
        // Written, not null, yet not read: the value has the wrong type.
        let read = [
            kpi.name.is_some(),
            kpi.duty.is_some(),
            kpi.owner.is_some(),
            contributors_read,
            kpi.metric.is_some(),
            kpi.target.is_some(),
            kpi.baseline.is_some(),
            kpi.range.is_some(),
            kpi.period.is_some(),
            kpi.due.is_some(),
            kpi.weight.is_some(),
            kpi.source.is_some(),
            kpi.formula.is_some(),
        ];
        for (i, (entry, read)) in at.iter().zip(read).enumerate() {
            if entry.is_some_and(|e| !matches!(e.value.value, Value::Null)) && !read {
                kpi.wrong_type |= 1 << i;
            }
        }
        kpi
    }

    /// The target as a comparison against a number, when it is written and measurable (parsed
    /// once, however many rules ask).
    pub fn parsed_target(&self) -> Option<&Target> {
        self.parsed_target
            .get_or_init(|| {
                self.target
                    .as_ref()
                    .and_then(|t| crate::target::parse_node(&t.value).ok())
            })
            .as_ref()
    }

    /// Whether `field` (a key such as `weight`) is written with a value of the wrong type,
    /// which the schema reports: a rule must not call it missing.
    pub fn has_wrong_type(&self, field: &str) -> bool {
        kpi_field(field).is_some_and(|i| self.wrong_type >> i & 1 == 1)
    }

    /// The span to point at when something is missing from this KPI: its `id` value.
    pub fn anchor(&self) -> Span {
        self.id.span
    }
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

/// Number of KPI fields found by [`kpi_field`].
const KPI_FIELDS: usize = 13;

/// The index of a KPI key read by [`Kpi::from_node`] (other than `id`).
fn kpi_field(key: &str) -> Option<usize> {
    Some(match key {
        "name" => 0,
        "duty" => 1,
        "owner" => 2,
        "contributors" => 3,
        "metric" => 4,
        "target" => 5,
        "baseline" => 6,
        "range" => 7,
        "period" => 8,
        "due" => 9,
        "weight" => 10,
        "source" => 11,
        "formula" => 12,
        _ => return None,
    })
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

/// The string value of an entry, with its spans.
fn text_of(e: Option<&Entry>) -> Option<Spanned<Text>> {
    field_of(e, |n| match &n.value {
        Value::Str(s) => Some(Text::new(s)),
        _ => None,
    })
}

/// The string under `key`. Numbers are accepted as text (`period: 2026`) only where the schema
/// also reports them, so that rules see the value the user meant.
fn text(node: &Node, key: &str) -> Option<Spanned<Text>> {
    text_of(node.entry(key))
}

//! CQL2 filters (OGC API – Features Part 3) over a layer's typed columns, and sorting by them.
//!
//! `cql2` (developmentseed) parses the text and JSON encodings into one expression tree; this
//! module checks it against the layer's [`Queryables`] once — every property known, every value of
//! its column's type — and compiles it into a [`Filter`] that tests a feature without allocating.
//! A filter the layer cannot answer is an error naming what is wrong, never a silently empty page.
//!
//! Comparisons follow SQL, as CQL2 asks: a comparison with a null is unknown, and unknown is not
//! true, so `NOT (population > 1000)` does not take a feature whose population is missing.

use std::cmp::Ordering;

use cql2::Expr;
use geo::{BoundingRect, Geometry, Intersects, MapCoords, MultiPolygon, Relate};

use crate::columns::{Cell, Column, ColumnType, columns};
use territoires_core::dataset::{Feature, Layer};
use territoires_geo::CrsRef;

/// The name spatial predicates give a feature's geometry.
pub const GEOMETRY: &str = "geometry";

/// The columns of a layer a filter, a sort or a property selection may name.
#[derive(Debug, Clone)]
pub struct Queryables {
    pub columns: Vec<Column>,
}

impl Queryables {
    pub fn of(layer: &Layer) -> Queryables {
        Queryables {
            columns: columns(layer),
        }
    }

    /// The names, `geometry` last: what an unknown-property error lists.
    pub fn names(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| c.name.clone())
            .chain([GEOMETRY.to_string()])
            .collect()
    }

    fn position(&self, name: &str) -> Result<usize, FilterError> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| FilterError::UnknownProperty {
                name: name.to_string(),
                queryables: self.names(),
            })
    }
}

/// The encoding of a `filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    Cql2Text,
    Cql2Json,
}

impl FilterLang {
    /// `cql-text` is the name drafts of Part 3 gave the text encoding: GDAL 3.6 sends its `-where`
    /// as a filter only to a server that lists it.
    pub const NAMES: [&'static str; 3] = ["cql2-text", "cql2-json", "cql-text"];

    pub fn parse(name: &str) -> Option<FilterLang> {
        match name {
            "cql2-text" | "cql-text" => Some(FilterLang::Cql2Text),
            "cql2-json" => Some(FilterLang::Cql2Json),
            _ => None,
        }
    }
}

/// Why a filter, a sort or a property list cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    /// The text is not CQL2: where it stops making sense, and what could have come there.
    #[error("not a CQL2 {lang} filter: at line {line}, column {column}: {expected}")]
    Syntax {
        lang: &'static str,
        line: usize,
        column: usize,
        expected: String,
    },
    #[error("unknown property `{name}`; the queryables are {}", queryables.join(", "))]
    UnknownProperty { name: String, queryables: Vec<String> },
    /// A value of another type than its property's column (text compared with a number…).
    #[error("`{property}` is {expected}: {found}")]
    WrongType {
        property: String,
        expected: &'static str,
        found: String,
    },
    /// Valid CQL2 this server does not evaluate (temporal or array functions, arithmetic…).
    #[error("{0}")]
    Unsupported(String),
}

/// A value a filter compares a column with, of the column's type.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Number(f64),
    Text(String),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn parse(op: &str) -> Option<Comparison> {
        Some(match op {
            "=" => Comparison::Eq,
            "<>" => Comparison::Ne,
            "<" => Comparison::Lt,
            "<=" => Comparison::Le,
            ">" => Comparison::Gt,
            ">=" => Comparison::Ge,
            _ => return None,
        })
    }

    /// The same test with its two sides swapped: `5 < x` is `x > 5`.
    fn flipped(self) -> Comparison {
        match self {
            Comparison::Lt => Comparison::Gt,
            Comparison::Le => Comparison::Ge,
            Comparison::Gt => Comparison::Lt,
            Comparison::Ge => Comparison::Le,
            same => same,
        }
    }

    fn holds(self, order: Ordering) -> bool {
        match self {
            Comparison::Eq => order == Ordering::Equal,
            Comparison::Ne => order != Ordering::Equal,
            Comparison::Lt => order == Ordering::Less,
            Comparison::Le => order != Ordering::Greater,
            Comparison::Gt => order == Ordering::Greater,
            Comparison::Ge => order != Ordering::Less,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spatial {
    Intersects,
    Disjoint,
    Within,
    Contains,
    Equals,
    Touches,
    Overlaps,
    Crosses,
}

impl Spatial {
    fn parse(op: &str) -> Option<Spatial> {
        Some(match op {
            "s_intersects" => Spatial::Intersects,
            "s_disjoint" => Spatial::Disjoint,
            "s_within" => Spatial::Within,
            "s_contains" => Spatial::Contains,
            "s_equals" => Spatial::Equals,
            "s_touches" => Spatial::Touches,
            "s_overlaps" => Spatial::Overlaps,
            "s_crosses" => Spatial::Crosses,
            _ => return None,
        })
    }
}

/// A compiled filter: columns by position, values of their column's type.
#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Constant(bool),
    Compare {
        column: usize,
        op: Comparison,
        value: Scalar,
    },
    Like {
        column: usize,
        pattern: Vec<LikeToken>,
    },
    In {
        column: usize,
        values: Vec<Scalar>,
    },
    Between {
        column: usize,
        low: f64,
        high: f64,
    },
    IsNull(usize),
    Spatial {
        op: Spatial,
        geometry: Geometry<f64>,
        /// `[min_lon, min_lat, max_lon, max_lat]` of `geometry`: most features are ruled out by it.
        envelope: [f64; 4],
    },
}

/// A piece of a `LIKE` pattern: `%` is any run of characters, `_` any one.
#[derive(Debug, Clone, PartialEq)]
enum LikeToken {
    Any,
    One,
    Char(char),
}

/// A CQL2 filter compiled for one layer.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
    columns: Vec<Column>,
}

impl Filter {
    /// Parses `text` in `lang` and compiles it for the layer of `queryables`. Spatial literals are
    /// in `crs` (CRS84 unless `filter-crs` says otherwise).
    pub fn parse(
        text: &str,
        lang: FilterLang,
        queryables: &Queryables,
        crs: CrsRef,
    ) -> Result<Filter, FilterError> {
        let expr = parse_cql2(text, lang)?;
        let root = Compiler { queryables, crs }.node(&expr)?;
        Ok(Filter {
            root,
            columns: queryables.columns.clone(),
        })
    }

    /// Whether the filter takes `feature`; `polygons` gives its geometry, read only for a spatial
    /// test that its bounding box `bounds` does not settle.
    pub fn matches(
        &self,
        feature: &Feature,
        bounds: Option<[f64; 4]>,
        polygons: impl Fn() -> MultiPolygon<f64>,
    ) -> bool {
        let mut geometry = None;
        let mut context = Context {
            feature,
            bounds,
            polygons: &polygons,
            geometry: &mut geometry,
            columns: &self.columns,
        };
        context.eval(&self.root) == Some(true)
    }

    /// Whether the filter reads geometry (so that a caller knows to keep it at hand).
    pub fn is_spatial(&self) -> bool {
        fn spatial(node: &Node) -> bool {
            match node {
                Node::Spatial { .. } => true,
                Node::And(nodes) | Node::Or(nodes) => nodes.iter().any(spatial),
                Node::Not(node) => spatial(node),
                _ => false,
            }
        }
        spatial(&self.root)
    }
}

/// The deepest a CQL2 text filter may nest its brackets. `cql2`'s grammar backtracks in time
/// exponential in the depth of a bracket it cannot close (3× a level: 5 ms at 10, 1.4 s at 18, 90 s at
/// 24, found by the `cql2_filter` fuzz target), so a request could hold a core for minutes; ten
/// levels hold any filter a person or GDAL writes (`S_INTERSECTS(geometry, MULTIPOLYGON(((…))))` is 4).
pub const MAX_NESTING: usize = 10;

/// Where `text` first opens a bracket deeper than [`MAX_NESTING`] (outside quoted strings and
/// names), as line and column, if it does.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let (mut depth, mut quote, mut line, mut column) = (0usize, None, 1, 0);
    for c in text.chars() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((line, column));
                }
            }
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `cql2`'s parser, its errors made into positions. Its grammar has `unreachable!`s for inputs its
/// authors did not foresee: a panic there is caught and answered as a syntax error, not a crash.
fn parse_cql2(text: &str, lang: FilterLang) -> Result<Expr, FilterError> {
    let lang_name = match lang {
        FilterLang::Cql2Text => "text",
        FilterLang::Cql2Json => "JSON",
    };
    let syntax = |line, column, expected: String| FilterError::Syntax {
        lang: lang_name,
        line,
        column,
        expected,
    };
    if lang == FilterLang::Cql2Text
        && let Some((line, column)) = too_deep(text)
    {
        return Err(syntax(
            line,
            column,
            format!("at most {MAX_NESTING} brackets inside one another"),
        ));
    }
    let parse = || {
        let parsed = match lang {
            FilterLang::Cql2Text => cql2::parse_text(text),
            FilterLang::Cql2Json => cql2::parse_json(text).map_err(cql2::Error::from),
        };
        parsed.map_err(|e| match e {
            cql2::Error::Pest(e) => {
                let (line, column) = match e.line_col {
                    pest::error::LineColLocation::Pos(p) => p,
                    pest::error::LineColLocation::Span(p, _) => p,
                };
                syntax(line, column, e.variant.message().into_owned())
            }
            cql2::Error::SerdeJson(e) => syntax(e.line(), e.column(), e.to_string()),
            e => syntax(1, 1, e.to_string()),
        })
    };
    std::panic::catch_unwind(parse)
        .unwrap_or_else(|_| Err(syntax(1, 1, "an expression the CQL2 grammar reads".into())))
}

struct Compiler<'a> {
    queryables: &'a Queryables,
    crs: CrsRef,
}

impl Compiler<'_> {
    fn node(&self, expr: &Expr) -> Result<Node, FilterError> {
        match expr {
            Expr::Bool(b) => Ok(Node::Constant(*b)),
            Expr::Operation { op, args } => self.operation(op, args),
            other => Err(FilterError::Unsupported(format!(
                "a filter is a predicate (a comparison, LIKE, IN, BETWEEN, IS NULL, a spatial \
                 function, or several joined by AND, OR, NOT), not `{}`",
                describe(other)
            ))),
        }
    }

    fn operation(&self, op: &str, args: &[Box<Expr>]) -> Result<Node, FilterError> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(FilterError::Unsupported(format!(
                    "`{op}` takes {n} arguments, not {}",
                    args.len()
                )))
            }
        };
        match op {
            "and" | "or" => {
                let nodes = args.iter().map(|a| self.node(a)).collect::<Result<Vec<_>, _>>()?;
                Ok(if op == "and" {
                    Node::And(nodes)
                } else {
                    Node::Or(nodes)
                })
            }
            "not" => {
                arity(1)?;
                Ok(Node::Not(Box::new(self.node(&args[0])?)))
            }
            "isNull" => {
                arity(1)?;
                Ok(Node::IsNull(self.property(&args[0])?.0))
            }
            "like" => {
                arity(2)?;
                let (column, c) = self.property(&args[0])?;
                let Expr::Literal(pattern) = &*args[1] else {
                    return Err(self.wrong(c, "a text pattern", &args[1]));
                };
                if c.kind != ColumnType::Text {
                    return Err(self.wrong_column(c, "LIKE"));
                }
                Ok(Node::Like {
                    column,
                    pattern: like_pattern(pattern),
                })
            }
            "in" => {
                arity(2)?;
                let (column, c) = self.property(&args[0])?;
                let Expr::Array(items) = &*args[1] else {
                    return Err(self.wrong(c, "a list of values", &args[1]));
                };
                let values = items
                    .iter()
                    .map(|v| self.scalar(c, v))
                    .collect::<Result<_, _>>()?;
                Ok(Node::In { column, values })
            }
            "between" => {
                arity(3)?;
                let (column, c) = self.property(&args[0])?;
                let number = |e: &Expr| match self.scalar(c, e)? {
                    Scalar::Number(x) => Ok(x),
                    _ => Err(self.wrong_column(c, "BETWEEN")),
                };
                Ok(Node::Between {
                    column,
                    low: number(&args[1])?,
                    high: number(&args[2])?,
                })
            }
            _ => {
                if let Some(comparison) = Comparison::parse(op) {
                    arity(2)?;
                    return self.comparison(comparison, &args[0], &args[1]);
                }
                if let Some(spatial) = Spatial::parse(op) {
                    arity(2)?;
                    return self.spatial(spatial, &args[0], &args[1]);
                }
                Err(FilterError::Unsupported(format!(
                    "`{op}` is not supported: filters take comparisons (=, <>, <, <=, >, >=), LIKE, IN, \
                     BETWEEN, IS NULL, the spatial functions S_INTERSECTS, S_DISJOINT, S_WITHIN, \
                     S_CONTAINS, S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES, and AND, OR, NOT"
                )))
            }
        }
    }

    fn comparison(&self, op: Comparison, left: &Expr, right: &Expr) -> Result<Node, FilterError> {
        let (property, value, op) = match (left, right) {
            (Expr::Property { .. }, _) => (left, right, op),
            (_, Expr::Property { .. }) => (right, left, op.flipped()),
            _ => {
                return Err(FilterError::Unsupported(
                    "a comparison compares a property with a value".into(),
                ));
            }
        };
        let (column, c) = self.property(property)?;
        let value = self.scalar(c, value)?;
        if c.kind == ColumnType::Boolean && !matches!(op, Comparison::Eq | Comparison::Ne) {
            return Err(self.wrong_column(c, "an order comparison"));
        }
        Ok(Node::Compare { column, op, value })
    }

    fn spatial(&self, op: Spatial, left: &Expr, right: &Expr) -> Result<Node, FilterError> {
        let is_geometry = |e: &Expr| matches!(e, Expr::Property { property } if property == GEOMETRY);
        let (literal, op) = match (is_geometry(left), is_geometry(right)) {
            (true, false) => (right, op),
            (false, true) => (
                left,
                match op {
                    Spatial::Within => Spatial::Contains,
                    Spatial::Contains => Spatial::Within,
                    same => same,
                },
            ),
            _ => {
                let other_property = [left, right].into_iter().find_map(|e| match e {
                    Expr::Property { property } if property != GEOMETRY => Some(property),
                    _ => None,
                });
                if let Some(property) = other_property {
                    return Err(self.unknown_geometry(property));
                }
                return Err(FilterError::Unsupported(format!(
                    "a spatial function compares the property `{GEOMETRY}` with a geometry literal \
                     (POINT, POLYGON, BBOX…)"
                )));
            }
        };
        let geometry = Geometry::<f64>::try_from(literal.clone()).map_err(|_| {
            FilterError::Unsupported(format!(
                "`{}` is not a geometry: use POINT(lon lat), POLYGON((…)), BBOX(w, s, e, n)…",
                describe(literal)
            ))
        })?;
        let geometry = self.to_wgs84(geometry)?;
        let envelope = geometry
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .ok_or_else(|| FilterError::Unsupported("an empty geometry selects nothing".into()))?;
        Ok(Node::Spatial {
            op,
            geometry,
            envelope,
        })
    }

    /// A literal of `filter-crs`, in WGS84 longitude, latitude.
    fn to_wgs84(&self, geometry: Geometry<f64>) -> Result<Geometry<f64>, FilterError> {
        let crs = self.crs;
        geometry
            .try_map_coords(|c| crs.to_wgs84(c.x, c.y))
            .map_err(|e| FilterError::Unsupported(format!("a geometry of the filter: {e}")))
    }

    fn unknown_geometry(&self, name: &str) -> FilterError {
        FilterError::UnknownProperty {
            name: name.to_string(),
            queryables: vec![GEOMETRY.to_string()],
        }
    }

    fn property(&self, expr: &Expr) -> Result<(usize, &Column), FilterError> {
        match expr {
            Expr::Property { property } => {
                let i = self.queryables.position(property)?;
                Ok((i, &self.queryables.columns[i]))
            }
            other => Err(FilterError::Unsupported(format!(
                "expected a property, found `{}`",
                describe(other)
            ))),
        }
    }

    /// `expr` as a value of `column`'s type.
    fn scalar(&self, column: &Column, expr: &Expr) -> Result<Scalar, FilterError> {
        let value = match expr {
            Expr::Float(x) => Scalar::Number(*x),
            Expr::Operation { op, args } if op == "-" && args.len() == 1 => match &*args[0] {
                Expr::Float(x) => Scalar::Number(-x),
                _ => return Err(self.wrong(column, kind_name(column.kind), expr)),
            },
            Expr::Literal(s) => Scalar::Text(s.clone()),
            Expr::Bool(b) => Scalar::Bool(*b),
            _ => return Err(self.wrong(column, kind_name(column.kind), expr)),
        };
        let fits = matches!(
            (column.kind, &value),
            (ColumnType::Integer | ColumnType::Real, Scalar::Number(_))
                | (ColumnType::Text, Scalar::Text(_))
                | (ColumnType::Boolean, Scalar::Bool(_))
        );
        if fits {
            Ok(value)
        } else {
            Err(self.wrong(column, kind_name(column.kind), expr))
        }
    }

    fn wrong(&self, column: &Column, expected: &'static str, found: &Expr) -> FilterError {
        FilterError::WrongType {
            property: column.name.clone(),
            expected,
            found: format!("found `{}`", describe(found)),
        }
    }

    fn wrong_column(&self, column: &Column, what: &str) -> FilterError {
        FilterError::WrongType {
            property: column.name.clone(),
            expected: kind_name(column.kind),
            found: format!("{what} does not apply to it"),
        }
    }
}

fn kind_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Integer => "an integer",
        ColumnType::Real => "a number",
        ColumnType::Boolean => "a boolean",
        ColumnType::Text => "text (quote values: 'like this')",
    }
}

/// An expression as CQL2 text, for error messages.
fn describe(expr: &Expr) -> String {
    expr.to_text().unwrap_or_else(|_| format!("{expr:?}"))
}

fn like_pattern(pattern: &str) -> Vec<LikeToken> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => LikeToken::Any,
            '_' => LikeToken::One,
            // A backslash takes the next character as itself.
            '\\' => LikeToken::Char(chars.next().unwrap_or('\\')),
            c => LikeToken::Char(c),
        });
    }
    tokens
}

/// Whether `text` matches a `LIKE` pattern, case included (CQL2's `LIKE` is case-sensitive).
fn like_matches(pattern: &[LikeToken], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    // Positions in `text` the pattern so far can end at: linear in pattern × text, no backtracking.
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for token in pattern {
        let mut next = vec![false; text.len() + 1];
        match token {
            LikeToken::Any => {
                let mut on = false;
                for i in 0..=text.len() {
                    on |= reach[i];
                    next[i] = on;
                }
            }
            LikeToken::One => next[1..].copy_from_slice(&reach[..text.len()]),
            LikeToken::Char(c) => {
                for i in 0..text.len() {
                    next[i + 1] = reach[i] && text[i] == *c;
                }
            }
        }
        reach = next;
    }
    reach[text.len()]
}

/// One feature under test.
struct Context<'a, F: Fn() -> MultiPolygon<f64>> {
    feature: &'a Feature,
    bounds: Option<[f64; 4]>,
    polygons: &'a F,
    /// The feature's polygons, made on the first spatial test that needs them.
    geometry: &'a mut Option<MultiPolygon<f64>>,
    columns: &'a [Column],
}

impl<F: Fn() -> MultiPolygon<f64>> Context<'_, F> {
    /// `Some(true)`, `Some(false)`, or `None` for unknown (a null was compared).
    fn eval(&mut self, node: &Node) -> Option<bool> {
        match node {
            Node::Constant(b) => Some(*b),
            Node::And(nodes) => self.joined(nodes, false),
            Node::Or(nodes) => self.joined(nodes, true),
            Node::Not(n) => self.eval(n).map(|b| !b),
            Node::IsNull(column) => Some(self.cell(*column) == Cell::Null),
            Node::Compare { column, op, value } => order(&self.cell(*column), value).map(|o| op.holds(o)),
            Node::In { column, values } => {
                let cell = self.cell(*column);
                if cell == Cell::Null {
                    return None;
                }
                Some(values.iter().any(|v| order(&cell, v) == Some(Ordering::Equal)))
            }
            Node::Between { column, low, high } => match self.cell(*column) {
                Cell::Integer(i) => Some((*low..=*high).contains(&(i as f64))),
                Cell::Real(x) => Some((*low..=*high).contains(&x)),
                _ => None,
            },
            Node::Like { column, pattern } => match self.cell(*column) {
                Cell::Text(t) => Some(like_matches(pattern, &t)),
                _ => None,
            },
            Node::Spatial {
                op,
                geometry,
                envelope,
            } => Some(self.spatial(*op, geometry, *envelope)),
        }
    }

    /// AND (`decisive` false) or OR (true) in three-valued logic: one `decisive` answer settles it;
    /// else an unknown makes it unknown.
    fn joined(&mut self, nodes: &[Node], decisive: bool) -> Option<bool> {
        let mut result = Some(!decisive);
        for n in nodes {
            match self.eval(n) {
                Some(b) if b == decisive => return Some(decisive),
                None => result = None,
                Some(_) => {}
            }
        }
        result
    }

    fn cell(&self, column: usize) -> Cell<'_> {
        self.columns[column].cell(self.feature)
    }

    fn spatial(&mut self, op: Spatial, geometry: &Geometry<f64>, envelope: [f64; 4]) -> bool {
        let Some(b) = self.bounds else {
            // No polygons: disjoint from everything, and nothing else.
            return op == Spatial::Disjoint;
        };
        let boxes_meet =
            envelope[0] <= b[2] && b[0] <= envelope[2] && envelope[1] <= b[3] && b[1] <= envelope[3];
        if !boxes_meet {
            return op == Spatial::Disjoint;
        }
        let polygons = self.geometry.get_or_insert_with(self.polygons);
        match op {
            // The common cases without the whole intersection matrix.
            Spatial::Intersects => polygons.intersects(geometry),
            Spatial::Disjoint => !polygons.intersects(geometry),
            Spatial::Within => polygons.relate(geometry).is_within(),
            Spatial::Contains => polygons.relate(geometry).is_contains(),
            Spatial::Equals => polygons.relate(geometry).is_equal_topo(),
            Spatial::Touches => polygons.relate(geometry).is_touches(),
            Spatial::Overlaps => polygons.relate(geometry).is_overlaps(),
            Spatial::Crosses => polygons.relate(geometry).is_crosses(),
        }
    }
}

/// How a cell compares with a value of its column's type; `None` when either is null or the types
/// differ (the compiler made sure they do not).
fn order(cell: &Cell, value: &Scalar) -> Option<Ordering> {
    match (cell, value) {
        (Cell::Integer(i), Scalar::Number(x)) => (*i as f64).partial_cmp(x),
        (Cell::Real(a), Scalar::Number(x)) => a.partial_cmp(x),
        (Cell::Text(t), Scalar::Text(s)) => Some(t.as_ref().cmp(s.as_str())),
        (Cell::Boolean(a), Scalar::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// One key of a `sortby`: a column, ascending unless `descending`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    column: usize,
    pub descending: bool,
}

/// `sortby`: `name`, `+name` or `-population`, comma-separated; the first key sorts first.
pub fn parse_sortby(text: &str, queryables: &Queryables) -> Result<Vec<SortKey>, FilterError> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            let (descending, name) = match item.as_bytes().first() {
                Some(b'-') => (true, &item[1..]),
                Some(b'+') => (false, &item[1..]),
                _ => (false, item),
            };
            Ok(SortKey {
                column: queryables.position(name.trim())?,
                descending,
            })
        })
        .collect()
}

/// Sorts `features` (positions in `layer`) by `keys`; nulls last in either direction, and features
/// equal on every key keep the layer's order. Each feature's cells are read once, not at every
/// comparison (a sort of the 34,871 communes compares half a million times).
pub fn sort(layer: &Layer, queryables: &Queryables, keys: &[SortKey], features: &mut [usize]) {
    if keys.is_empty() {
        return;
    }
    let mut rows: Vec<(usize, Vec<Cell<'_>>)> = features
        .iter()
        .map(|&f| {
            let feature = &layer.features[f];
            (
                f,
                keys.iter()
                    .map(|k| queryables.columns[k.column].cell(feature))
                    .collect(),
            )
        })
        .collect();
    rows.sort_by(|(_, a), (_, b)| {
        for (key, (ca, cb)) in keys.iter().zip(a.iter().zip(b)) {
            let o = match (ca, cb) {
                (Cell::Null, Cell::Null) => Ordering::Equal,
                (Cell::Null, _) => return Ordering::Greater,
                (_, Cell::Null) => return Ordering::Less,
                _ => {
                    let o = compare_cells(ca, cb);
                    if key.descending { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    for (slot, (f, _)) in features.iter_mut().zip(rows) {
        *slot = f;
    }
}

fn compare_cells(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Integer(x), Cell::Integer(y)) => x.cmp(y),
        (Cell::Real(x), Cell::Real(y)) => x.total_cmp(y),
        (Cell::Boolean(x), Cell::Boolean(y)) => x.cmp(y),
        (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// `properties`: the columns to return, each a queryable; `id` is a feature's own member and
/// always comes.
pub fn parse_properties(text: &str, queryables: &Queryables) -> Result<Vec<String>, FilterError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|name| {
            let name = name.trim();
            queryables.position(name).map(|_| name.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_as_sql_does() {
        let p = like_pattern("Pays d%");
        assert!(like_matches(&p, "Pays d'Auge"));
        assert!(!like_matches(&p, "pays d'Auge"));
        assert!(like_matches(&like_pattern("_b%"), "abc"));
        assert!(!like_matches(&like_pattern("_b"), "abc"));
        assert!(like_matches(&like_pattern("100\\%"), "100%"));
        assert!(!like_matches(&like_pattern("100\\%"), "1000"));
        assert!(like_matches(&like_pattern("%"), ""));
        assert!(like_matches(&like_pattern("%é%"), "Pyrénées"));
    }

    /// AND, OR and NOT over the tiny dataset: a predicate or its negation holds everywhere, both
    /// nowhere; a comparison with a missing value is unknown, so neither it nor its negation holds.
    #[test]
    fn and_or_not_follow_three_valued_logic() {
        let data = territoires_fixtures::tiny_dataset();
        for layer in &data.layers {
            let queryables = Queryables::of(layer);
            let count = |text: &str| {
                let filter = Filter::parse(text, FilterLang::Cql2Text, &queryables, CrsRef::CRS84)
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
                layer
                    .indexed_features()
                    .filter(|(f, feature)| filter.matches(feature, layer.bounds(*f), || layer.polygons(*f)))
                    .count()
            };
            let all = layer.features.len();
            assert_eq!(count("id = 'x' OR NOT (id = 'x')"), all, "{}", layer.id);
            assert_eq!(count("id = 'x' AND NOT (id = 'x')"), 0, "{}", layer.id);
            assert_eq!(
                count("name LIKE '%' AND (id <> '' OR id = '')"),
                all,
                "{}",
                layer.id
            );
            assert_eq!(count("TRUE AND FALSE OR TRUE"), all);
        }
    }

    /// What the fuzz target found: 66 unclosed brackets kept the parser busy past 35 s. Refused at
    /// the eleventh, before the parser sees them; ten still parse.
    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let started = std::time::Instant::now();
        let found = format!("p{}opula!=ulation > 1", "(".repeat(66));
        let e = parse_cql2(&found, FilterLang::Cql2Text).unwrap_err();
        assert!(
            matches!(
                e,
                FilterError::Syntax {
                    line: 1,
                    column: 12,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let ten = format!("{}population > 1{}", "(".repeat(10), ")".repeat(10));
        assert!(parse_cql2(&ten, FilterLang::Cql2Text).is_ok());
        assert!(parse_cql2(&format!("name = '{}'", "(".repeat(40)), FilterLang::Cql2Text).is_ok());
    }

    #[test]
    fn a_syntax_error_says_where() {
        let e = parse_cql2("population >> 5", FilterLang::Cql2Text).unwrap_err();
        let FilterError::Syntax { line, column, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(line, 1);
        assert!(column > 1, "{column}");
        let e = parse_cql2(
            r#"{"op": "=", "args": [{"property": "a"}, 1"#,
            FilterLang::Cql2Json,
        )
        .unwrap_err();
        assert!(matches!(e, FilterError::Syntax { lang: "JSON", .. }), "{e:?}");
    }
}

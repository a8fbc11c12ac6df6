//! WHERE clauses built from whichever filters a search was given. Only the filters present
//! appear in the SQL: `($1 IS NULL OR col = $1)` would keep the query text fixed but stops both
//! engines from using the column's index.

use time::OffsetDateTime;
use uuid::Uuid;

/// A WHERE clause built from optional filters, with `$n` placeholders and the values to bind.
#[derive(Default)]
pub struct Filter {
    pub clauses: Vec<String>,
    pub values: Vec<Value>,
}

pub enum Value {
    Text(String),
    Id(Uuid),
    Time(OffsetDateTime),
}

impl Filter {
    /// Adds `clause`, where `?` stands for the next placeholder.
    pub fn push(&mut self, clause: &str, value: Value) {
        let n = self.values.len() + 1;
        self.clauses.push(clause.replace('?', &format!("${n}")));
        self.values.push(value);
    }

    /// Adds `(a OR b OR …)`, each alternative with its one `?`.
    pub fn push_any(&mut self, alternatives: Vec<(&str, Value)>) {
        let mut parts = Vec::with_capacity(alternatives.len());
        for (clause, value) in alternatives {
            let n = self.values.len() + 1;
            parts.push(clause.replace('?', &format!("${n}")));
            self.values.push(value);
        }
        self.clauses.push(format!("({})", parts.join(" OR ")));
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

#[macro_export]
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = match v {
                $crate::db::filter::Value::Text(s) => q.bind(s.clone()),
                $crate::db::filter::Value::Id(id) => q.bind(*id),
                $crate::db::filter::Value::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

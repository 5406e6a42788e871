//! Settings: `notecheck.yaml`, front matter and block options, layered.
//!
//! Defaults ← `notecheck.yaml` `check:` ← front matter `check:` ← block
//! options. Each layer is a [`CheckOverrides`] (every field optional);
//! [`CheckOverrides::resolve`] folds a stack of them into [`CheckSettings`].

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flatten {
    ColumnMajor,
    RowMajor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    Numerator,
    Denominator,
}

/// Fully resolved settings for one block.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSettings {
    pub trials: u32,
    pub seed: u64,
    pub dim_range: (u64, u64),
    pub rtol: f64,
    pub atol: f64,
    pub approx_rtol: f64,
    pub flatten: Flatten,
    pub layout: Layout,
    pub einstein: bool,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            trials: 3,
            seed: 0,
            dim_range: (2, 5),
            rtol: 1.0e-8,
            atol: 1.0e-10,
            approx_rtol: 1.0e-4,
            flatten: Flatten::ColumnMajor,
            layout: Layout::Numerator,
            einstein: false,
        }
    }
}

/// One layer of `check:` settings; `None` means "not set here".
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOverrides {
    pub trials: Option<u32>,
    pub seed: Option<u64>,
    pub dim_range: Option<[u64; 2]>,
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
    pub approx_rtol: Option<f64>,
    pub flatten: Option<Flatten>,
    pub layout: Option<Layout>,
    pub einstein: Option<bool>,
}

impl CheckOverrides {
    /// Apply `self` on top of `base`.
    pub fn apply(&self, base: &CheckSettings) -> CheckSettings {
        let mut s = base.clone();
        if let Some(v) = self.trials {
            s.trials = v;
        }
        if let Some(v) = self.seed {
            s.seed = v;
        }
        if let Some([a, b]) = self.dim_range {
            s.dim_range = (a.min(b), a.max(b));
        }
        if let Some(v) = self.rtol {
            s.rtol = v;
        }
        if let Some(v) = self.atol {
            s.atol = v;
        }
        if let Some(v) = self.approx_rtol {
            s.approx_rtol = v;
        }
        if let Some(v) = self.flatten {
            s.flatten = v;
        }
        if let Some(v) = self.layout {
            s.layout = v;
        }
        if let Some(v) = self.einstein {
            s.einstein = v;
        }
        s
    }
}

/// `notecheck.yaml` at the project root.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub notes: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub title: Option<String>,
    pub templates: Option<PathBuf>,
    #[serde(default)]
    pub dims: BTreeMap<String, u64>,
    #[serde(default)]
    pub check: CheckOverrides,
}

/// A note's YAML front matter.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    #[serde(default)]
    pub dims: BTreeMap<String, u64>,
    #[serde(default)]
    pub check: CheckOverrides,
}

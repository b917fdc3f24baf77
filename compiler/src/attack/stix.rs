//! Reader for the official ATT&CK STIX 2.1 bundles.
//!
//! Objects of all bundles are merged by STIX id first (data components and
//! some mitigations are shipped in several domains), then the catalog is
//! derived from the merged set:
//! - techniques (`attack-pattern`), tactics (`x-mitre-tactic`), mitigations
//!   (`course-of-action`) and data components (`x-mitre-data-component`),
//!   named by their ATT&CK external ids;
//! - tactics of a technique from its `kill_chain_phases`, whose phase names
//!   are tactic shortnames within the domain named by `kill_chain_name`;
//! - `subtechnique-of`, `revoked-by` and `mitigates` relationships;
//! - data components through the v18 detection model: a detection strategy
//!   `detects` a technique and lists analytics, whose log source references
//!   name data components. Pre-v18 bundles, where a data component `detects`
//!   a technique directly, are understood too.
//!
//! The input is walked as `serde_json::Value`: the bundles carry many fields
//! we do not need, and odd input must turn into an error naming the file.

use super::{Catalog, DataComponent, Domain, Mitigation, Tactic, Technique};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `source_name`s of the external reference that carries the ATT&CK id.
/// Old Mobile and ICS objects still use the per-domain names.
const ATTACK_SOURCES: [&str; 3] = ["mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"];

/// Largest bundle read: the full Enterprise bundle of ATT&CK v18 is about 50 MiB.
pub const MAX_BUNDLE_BYTES: u64 = 512 * crate::input::MIB;

pub(super) fn read_bundles(paths: &[PathBuf]) -> Result<Catalog, String> {
    if paths.is_empty() {
        return Err("no ATT&CK STIX bundle given".to_string());
    }
    let mut store = Store::default();
    for path in paths {
        store.add_file(path)?;
    }
    store.build()
}

/// One STIX object and the file it came from (for error messages).
struct Obj {
    file: String,
    value: Value,
    /// Domain of the bundle, used when the object has no `x_mitre_domains`.
    bundle_domain: Option<Domain>,
}

#[derive(Default)]
struct Store {
    objects: BTreeMap<String, Obj>,
    /// (file, ATT&CK version) per bundle.
    versions: Vec<(String, String)>,
}

impl Store {
    fn add_file(&mut self, path: &Path) -> Result<(), String> {
        let file = path.display().to_string();
        let text = crate::input::read_text(path, MAX_BUNDLE_BYTES)
            .map_err(|e| format!("{file}: cannot read ATT&CK bundle: {e}"))?;
        let bundle: Value = serde_json::from_str(&text).map_err(|e| format!("{file}: not valid JSON: {e}"))?;
        let objects = bundle_objects(bundle, &file)?;
        let version = bundle_version(&objects, path)
            .ok_or_else(|| format!("{file}: cannot tell the ATT&CK version: no x-mitre-collection object with x_mitre_version and no version (like 18.1) in the file name"))?;
        self.versions.push((file.clone(), version));
        let bundle_domain = bundle_domain(&objects);
        for (index, value) in objects.into_iter().enumerate() {
            self.add_object(&file, index, value, bundle_domain)?;
        }
        Ok(())
    }

    fn add_object(
        &mut self,
        file: &str,
        index: usize,
        value: Value,
        bundle_domain: Option<Domain>,
    ) -> Result<(), String> {
        let (Some(id), Some(_)) = (str_field(&value, "id"), str_field(&value, "type")) else {
            return Err(format!("{file}: object #{index} is not a STIX object with string 'id' and 'type'"));
        };
        let id = id.to_string();
        // The same object can come from several bundles: keep the newest.
        if let Some(existing) = self.objects.get(&id) {
            if modified(&existing.value) >= modified(&value) {
                return Ok(());
            }
        }
        let file = file.to_string();
        let obj = Obj { file, value, bundle_domain };
        self.objects.insert(id, obj);
        Ok(())
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Obj)> + 'a {
        self.objects.iter().filter(move |(_, o)| str_field(&o.value, "type") == Some(kind))
    }

    fn build(&self) -> Result<Catalog, String> {
        let mut b = Builder::default();
        b.pick_version(&self.versions);
        b.read_tactics(self)?;
        b.read_mitigations(self)?;
        b.read_data_components(self)?;
        b.read_techniques(self)?;
        b.read_relationships(self);
        b.link_data_components(self);
        b.finish_techniques();
        Ok(Catalog {
            version: b.version,
            warnings: b.warnings,
            tactics: b.tactics,
            mitigations: b.mitigations,
            data_components: b.data_components,
            techniques: b.techniques,
        })
    }
}

/// Catalog under construction plus the STIX id -> ATT&CK id indexes that
/// relationships are resolved through.
#[derive(Default)]
struct Builder {
    version: String,
    warnings: Vec<String>,
    tactics: BTreeMap<String, Tactic>,
    mitigations: BTreeMap<String, Mitigation>,
    data_components: BTreeMap<String, DataComponent>,
    techniques: BTreeMap<String, Technique>,
    technique_ids: BTreeMap<String, String>,
    mitigation_ids: BTreeMap<String, String>,
    component_ids: BTreeMap<String, String>,
    /// Technique STIX id -> detection strategy STIX ids.
    strategies: BTreeMap<String, Vec<String>>,
    /// Kill-chain phases per technique ATT&CK id, resolved once tactics are known.
    phases: BTreeMap<String, Vec<(String, String)>>,
}

impl Builder {
    fn pick_version(&mut self, versions: &[(String, String)]) {
        let best = versions.iter().max_by_key(|(_, v)| version_key(v)).map(|(_, v)| v.clone()).unwrap_or_default();
        if versions.iter().any(|(_, v)| *v != best) {
            let all: Vec<String> = versions.iter().map(|(f, v)| format!("{}={v}", base_name(f))).collect();
            self.warnings.push(format!("bundles disagree on the ATT&CK version ({}); using {best}", all.join(", ")));
        }
        self.version = best;
    }

    fn read_tactics(&mut self, store: &Store) -> Result<(), String> {
        for (_, obj) in store.of_type("x-mitre-tactic") {
            let Some((id, url)) = self.attack_id(obj) else {
                continue;
            };
            let name = required_str(obj, "name")?;
            let shortname = required_str(obj, "x_mitre_shortname")?;
            let Some(domain) = domains_of(obj).into_iter().next() else {
                self.warn_no_domain(obj, &id);
                continue;
            };
            let tactic = Tactic {
                id: id.clone(),
                name,
                shortname,
                domain,
                url,
                deprecated: is_deprecated(obj) || is_revoked(obj),
            };
            self.tactics.insert(id, tactic);
        }
        Ok(())
    }

    fn read_mitigations(&mut self, store: &Store) -> Result<(), String> {
        let mut legacy = 0;
        for (stix_id, obj) in store.of_type("course-of-action") {
            let Some((id, url)) = self.attack_id(obj) else {
                continue;
            };
            // Before 2019 each technique had its own deprecated
            // course-of-action named with the technique's T id; those are
            // not mitigations in the M-id sense and would shadow technique ids.
            if !id.starts_with('M') {
                legacy += 1;
                continue;
            }
            let name = required_str(obj, "name")?;
            let deprecated = is_deprecated(obj) || is_revoked(obj);
            self.mitigation_ids.insert(stix_id.clone(), id.clone());
            let mitigation = Mitigation { id: id.clone(), name, url, deprecated };
            self.mitigations.insert(id, mitigation);
        }
        if legacy > 0 {
            self.warnings
                .push(format!("skipped {legacy} legacy course-of-action objects named with technique ids (not M ids)"));
        }
        Ok(())
    }

    fn read_data_components(&mut self, store: &Store) -> Result<(), String> {
        for (stix_id, obj) in store.of_type("x-mitre-data-component") {
            let Some((id, url)) = self.attack_id(obj) else {
                continue;
            };
            let name = required_str(obj, "name")?;
            // v18 leaves x_mitre_data_source_ref empty or absent.
            let data_source = str_field(&obj.value, "x_mitre_data_source_ref")
                .and_then(|r| store.objects.get(r))
                .and_then(|ds| str_field(&ds.value, "name"))
                .map(str::to_string);
            self.component_ids.insert(stix_id.clone(), id.clone());
            let component = DataComponent {
                id: id.clone(),
                name,
                data_source,
                url,
                deprecated: is_deprecated(obj) || is_revoked(obj),
            };
            self.data_components.insert(id, component);
        }
        Ok(())
    }

    fn read_techniques(&mut self, store: &Store) -> Result<(), String> {
        for (stix_id, obj) in store.of_type("attack-pattern") {
            let Some((id, url)) = self.attack_id(obj) else {
                continue;
            };
            let domains = domains_of(obj);
            if domains.is_empty() {
                self.warn_no_domain(obj, &id);
                continue;
            }
            let technique = Technique {
                id: id.clone(),
                name: required_str(obj, "name")?,
                domains,
                tactics: Vec::new(),
                parent: None,
                revoked: is_revoked(obj),
                revoked_by: None,
                deprecated: is_deprecated(obj),
                mitigations: Vec::new(),
                data_components: Vec::new(),
                url,
            };
            self.phases.entry(id.clone()).or_default().extend(kill_chain_phases(obj));
            self.technique_ids.insert(stix_id.clone(), id.clone());
            self.add_technique(technique, &obj.file);
        }
        Ok(())
    }

    /// Adds a technique; an ATT&CK id carried by two different STIX objects
    /// (one per domain) becomes one technique listing both domains.
    fn add_technique(&mut self, technique: Technique, file: &str) {
        let Some(existing) = self.techniques.get_mut(&technique.id) else {
            self.techniques.insert(technique.id.clone(), technique);
            return;
        };
        existing.domains.extend(technique.domains);
        existing.domains.sort();
        existing.domains.dedup();
        if existing.name != technique.name {
            self.warnings.push(format!(
                "{}: {} is named both '{}' and '{}'; keeping the first",
                base_name(file),
                technique.id,
                existing.name,
                technique.name
            ));
        }
        // A technique still alive in one domain is alive.
        existing.revoked &= technique.revoked;
        existing.deprecated &= technique.deprecated;
    }

    fn read_relationships(&mut self, store: &Store) {
        let mut dangling = 0;
        for (_, obj) in store.of_type("relationship") {
            let v = &obj.value;
            if is_revoked(obj) || is_deprecated(obj) {
                continue;
            }
            let (Some(kind), Some(source), Some(target)) =
                (str_field(v, "relationship_type"), str_field(v, "source_ref"), str_field(v, "target_ref"))
            else {
                continue;
            };
            if !store.objects.contains_key(source) || !store.objects.contains_key(target) {
                dangling += 1;
                continue;
            }
            self.apply_relationship(kind, source, target);
        }
        if dangling > 0 {
            self.warnings.push(format!(
                "ignored {dangling} relationships whose source or target is not in the bundles (the bundles are subsets)"
            ));
        }
    }

    fn apply_relationship(&mut self, kind: &str, source: &str, target: &str) {
        let (Some(target_id), source_id) =
            (self.technique_ids.get(target).cloned(), self.technique_ids.get(source).cloned())
        else {
            return;
        };
        match kind {
            "subtechnique-of" => {
                if let Some(t) = source_id.and_then(|id| self.techniques.get_mut(&id)) {
                    t.parent = Some(target_id);
                }
            }
            "revoked-by" => {
                if let Some(t) = source_id.and_then(|id| self.techniques.get_mut(&id)) {
                    t.revoked_by = Some(target_id);
                }
            }
            "mitigates" => {
                let mitigation = self.mitigation_ids.get(source).cloned();
                if let (Some(m), Some(t)) = (mitigation, self.techniques.get_mut(&target_id)) {
                    t.mitigations.push(m);
                }
            }
            "detects" => {
                // Pre-v18: data component -> technique.
                let component = self.component_ids.get(source).cloned();
                if let (Some(dc), Some(t)) = (component, self.techniques.get_mut(&target_id)) {
                    t.data_components.push(dc);
                }
                self.strategies.entry(target.to_string()).or_default().push(source.to_string());
            }
            _ => {}
        }
    }

    /// v18: technique <- detects - strategy -> analytics -> data components.
    fn link_data_components(&mut self, store: &Store) {
        for (technique_stix, sources) in &self.strategies {
            let Some(t) = self.technique_ids.get(technique_stix).and_then(|id| self.techniques.get_mut(id)) else {
                continue;
            };
            for source in sources {
                for component in strategy_components(store, source) {
                    if let Some(dc) = self.component_ids.get(component) {
                        t.data_components.push(dc.clone());
                    }
                }
            }
        }
    }

    fn finish_techniques(&mut self) {
        let tactic_index = tactic_index(&self.tactics);
        for (id, t) in self.techniques.iter_mut() {
            for (chain, phase) in self.phases.get(id).into_iter().flatten() {
                let tactic = Domain::from_kill_chain_name(chain).and_then(|d| tactic_index.get(&(d, phase.as_str())));
                match tactic {
                    Some(tactic) => t.tactics.push(tactic.to_string()),
                    None => self.warnings.push(format!("{id}: kill-chain phase {chain}/{phase} matches no tactic")),
                }
            }
            // Some revoked sub-techniques lack their subtechnique-of link.
            if t.parent.is_none() {
                t.parent = id.split_once('.').map(|(p, _)| p.to_string());
            }
            if t.revoked && t.revoked_by.is_none() {
                self.warnings.push(format!("{id} is revoked but no revoked-by relationship names its replacement"));
            }
            for list in [&mut t.tactics, &mut t.mitigations, &mut t.data_components] {
                list.sort();
                list.dedup();
            }
        }
    }

    /// The ATT&CK id and page URL of an object, or `None` (with a warning)
    /// for objects ATT&CK never gave an id.
    fn attack_id(&mut self, obj: &Obj) -> Option<(String, String)> {
        let found = attack_reference(&obj.value);
        if found.is_none() {
            let stix_id = str_field(&obj.value, "id").unwrap_or("?");
            self.warnings.push(format!("{}: {stix_id} has no ATT&CK external id; skipped", base_name(&obj.file)));
        }
        found
    }

    fn warn_no_domain(&mut self, obj: &Obj, id: &str) {
        self.warnings.push(format!("{}: {id} names no known ATT&CK domain; skipped", base_name(&obj.file)));
    }
}

/// (domain, shortname) -> tactic id; a current tactic wins over a
/// deprecated one with the same shortname.
fn tactic_index(tactics: &BTreeMap<String, Tactic>) -> BTreeMap<(Domain, &str), &str> {
    let mut index: BTreeMap<(Domain, &str), &Tactic> = BTreeMap::new();
    for t in tactics.values() {
        let key = (t.domain, t.shortname.as_str());
        let keep_old = index.get(&key).is_some_and(|old| !old.deprecated);
        if !keep_old {
            index.insert(key, t);
        }
    }
    index.into_iter().map(|(k, t)| (k, t.id.as_str())).collect()
}

/// Data component STIX ids reachable from a detection strategy through its
/// analytics. Revoked or deprecated strategies and analytics are skipped.
fn strategy_components<'a>(store: &'a Store, strategy: &str) -> Vec<&'a str> {
    let live = |id: &str| store.objects.get(id).filter(|o| !is_revoked(o) && !is_deprecated(o));
    let Some(strategy) = live(strategy) else {
        return Vec::new();
    };
    let analytics = strings(&strategy.value, "x_mitre_analytic_refs");
    let mut components = Vec::new();
    for analytic in analytics.into_iter().filter_map(live) {
        let refs = analytic.value.get("x_mitre_log_source_references").and_then(Value::as_array);
        for log_source in refs.into_iter().flatten() {
            if let Some(dc) = str_field(log_source, "x_mitre_data_component_ref") {
                components.push(dc);
            }
        }
    }
    components
}

fn bundle_objects(bundle: Value, file: &str) -> Result<Vec<Value>, String> {
    let Value::Object(mut map) = bundle else {
        return Err(format!("{file}: not a STIX bundle (expected a JSON object)"));
    };
    if map.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(format!("{file}: not a STIX bundle (\"type\" is not \"bundle\")"));
    }
    match map.remove("objects") {
        Some(Value::Array(objects)) => Ok(objects),
        _ => Err(format!("{file}: STIX bundle has no \"objects\" array")),
    }
}

/// The ATT&CK release of one bundle: the collection object's version when
/// present (official bundles), else a version-looking part of the file name.
fn bundle_version(objects: &[Value], path: &Path) -> Option<String> {
    objects
        .iter()
        .filter(|o| str_field(o, "type") == Some("x-mitre-collection"))
        .find_map(|o| str_field(o, "x_mitre_version"))
        .map(str::to_string)
        .or_else(|| version_from_file_name(path))
}

/// `enterprise-attack-18.1-subset.json` -> `18.1`; `...-v17.json` -> `17`.
fn version_from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
    let tokens: Vec<&str> = stem
        .split(['-', '_'])
        .map(|t| t.trim_start_matches(['v', 'V']))
        .filter(|t| !t.is_empty() && t.split('.').all(is_number))
        .collect();
    // Prefer dotted tokens: a bare number is more likely something else.
    tokens.iter().find(|t| t.contains('.')).or(tokens.first()).map(|t| t.to_string())
}

/// Warnings end up in the generated catalog, so they name files without
/// their directory to keep the output independent of where bundles live.
fn base_name(file: &str) -> &str {
    Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or(file)
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

fn version_key(version: &str) -> Vec<u64> {
    version.split('.').map(|part| part.parse().unwrap_or(0)).collect()
}

/// The domain a bundle describes, from its matrix (`external_id` is the
/// STIX domain name); used for objects lacking `x_mitre_domains`.
fn bundle_domain(objects: &[Value]) -> Option<Domain> {
    objects
        .iter()
        .filter(|o| str_field(o, "type") == Some("x-mitre-matrix"))
        .filter_map(attack_reference)
        .find_map(|(id, _)| Domain::from_name(&id))
}

fn domains_of(obj: &Obj) -> Vec<Domain> {
    let mut domains: Vec<Domain> =
        strings(&obj.value, "x_mitre_domains").into_iter().filter_map(Domain::from_name).collect();
    if domains.is_empty() {
        domains.extend(obj.bundle_domain);
    }
    domains.sort();
    domains.dedup();
    domains
}

fn kill_chain_phases(obj: &Obj) -> Vec<(String, String)> {
    let phases = obj.value.get("kill_chain_phases").and_then(Value::as_array);
    phases
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let chain = str_field(p, "kill_chain_name")?;
            let phase = str_field(p, "phase_name")?;
            Some((chain.to_string(), phase.to_string()))
        })
        .collect()
}

/// (external_id, url) of the ATT&CK external reference.
fn attack_reference(value: &Value) -> Option<(String, String)> {
    let refs = value.get("external_references")?.as_array()?;
    refs.iter().filter(|r| str_field(r, "source_name").is_some_and(|s| ATTACK_SOURCES.contains(&s))).find_map(|r| {
        let id = str_field(r, "external_id")?.trim();
        let url = str_field(r, "url").unwrap_or_default();
        (!id.is_empty()).then(|| (id.to_string(), url.to_string()))
    })
}

fn required_str(obj: &Obj, field: &str) -> Result<String, String> {
    str_field(&obj.value, field).map(str::to_string).ok_or_else(|| {
        let id = str_field(&obj.value, "id").unwrap_or("?");
        format!("{}: {id} has no string field '{field}'", obj.file)
    })
}

fn str_field<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field)?.as_str()
}

fn strings<'a>(value: &'a Value, field: &str) -> Vec<&'a str> {
    let items = value.get(field).and_then(Value::as_array);
    items.into_iter().flatten().filter_map(Value::as_str).collect()
}

fn is_revoked(obj: &Obj) -> bool {
    obj.value.get("revoked").and_then(Value::as_bool) == Some(true)
}

fn is_deprecated(obj: &Obj) -> bool {
    obj.value.get("x_mitre_deprecated").and_then(Value::as_bool) == Some(true)
}

fn modified(value: &Value) -> &str {
    str_field(value, "modified").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_names() {
        let v = |name: &str| version_from_file_name(Path::new(name));
        assert_eq!(v("enterprise-attack-18.1-subset.json").as_deref(), Some("18.1"));
        assert_eq!(v("/x/ics-attack-v17.json").as_deref(), Some("17"));
        assert_eq!(v("mobile_attack_16.0.json").as_deref(), Some("16.0"));
        assert_eq!(v("enterprise-attack.json"), None);
        assert!(version_key("18.1") > version_key("9.0"));
    }

    fn technique_json(stix_id: &str, domain: &str, chain: &str) -> Value {
        serde_json::json!({
            "type": "attack-pattern", "id": stix_id, "name": "Shared",
            "modified": "2025-01-01T00:00:00.000Z",
            "x_mitre_domains": [domain],
            "kill_chain_phases": [{"kill_chain_name": chain, "phase_name": "impact"}],
            "external_references": [{"source_name": "mitre-attack", "external_id": "T9999"}]
        })
    }

    fn tactic_json(stix_id: &str, domain: &str, id: &str) -> Value {
        serde_json::json!({
            "type": "x-mitre-tactic", "id": stix_id, "name": "Impact",
            "x_mitre_shortname": "impact", "x_mitre_domains": [domain],
            "external_references": [{"source_name": "mitre-attack", "external_id": id}]
        })
    }

    #[test]
    fn merges_domains_and_notes_version_mismatch() {
        let dir = std::env::temp_dir().join(format!("scalpel-stix-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let bundles = [
            ("enterprise-attack-18.1.json", "enterprise-attack", "mitre-attack", "TA0040"),
            ("ics-attack-17.0.json", "ics-attack", "mitre-ics-attack", "TA0105"),
        ];
        let mut paths = Vec::new();
        for (i, (name, domain, chain, tactic)) in bundles.into_iter().enumerate() {
            let objects = vec![
                technique_json(&format!("attack-pattern--{i}"), domain, chain),
                tactic_json(&format!("x-mitre-tactic--{i}"), domain, tactic),
            ];
            let bundle = serde_json::json!({"type": "bundle", "objects": objects});
            let path = dir.join(name);
            let _ = std::fs::write(&path, bundle.to_string());
            paths.push(path);
        }
        let catalog = read_bundles(&paths);
        let _ = std::fs::remove_dir_all(&dir);
        let catalog = match catalog {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(catalog.version, "18.1");
        assert!(catalog.warnings.iter().any(|w| w.contains("ics-attack-17.0.json=17.0")));
        let t = catalog.technique("T9999");
        assert_eq!(t.map(|t| t.domains.clone()), Some(vec![Domain::Enterprise, Domain::Ics]));
        assert_eq!(t.map(|t| t.tactics.clone()), Some(vec!["TA0040".into(), "TA0105".into()]));
    }

    #[test]
    fn attack_reference_ignores_other_sources() {
        let value: Value = serde_json::json!({"external_references": [
            {"source_name": "capec", "external_id": "CAPEC-1"},
            {"source_name": "mitre-ics-attack", "external_id": "T0850",
             "url": "https://attack.mitre.org/techniques/T0850"}
        ]});
        let found = attack_reference(&value).map(|(id, _)| id);
        assert_eq!(found.as_deref(), Some("T0850"));
        assert_eq!(attack_reference(&serde_json::json!({"external_references": 3})), None);
    }
}

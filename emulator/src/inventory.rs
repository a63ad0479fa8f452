//! The server inventory: `--servers N` servers with ids 1..=N, each a deterministic function of
//! its id, built and serialized once at start.
//!
//! Shape follows the list items described in the notes (`id`, `domain`, `configuration`,
//! `settings{efi}`, `operation`, `os_template{id,name,tags}`, `hardware_info`, `state`,
//! `state_info`, `ip[...]`, `switch_connection[...]`, `pdu_connection{...}`, `power_status`,
//! `owner_email`, `is_new`, `location_id`, `barcode`, `rack{name}`, `unit`), about 630 bytes of
//! compact JSON each. Server ids (and all ids inside a server) are always JSON numbers,
//! whatever `numeric_ids` says: that switch is about the auth service's answers.
//!
//! Distribution (by id): `id % 10` in 0..=2 belongs to `client@example.com`, 3..=5 to one of
//! `owner1..4@example.org`, 6..=9 is free (`owner_email: null`). Free servers with `id % 4 == 0`
//! are `is_new`. `location_id` is `(id / 3) % 3 + 1`; `configuration` cycles over three names.
//! Keys inside an object are sorted (serde_json's default map).

use serde_json::{json, Value};
use std::sync::Arc;

/// The configurations servers cycle through: name, CPU, RAM in GiB.
const CONFIGS: [(&str, &str, u64); 3] = [
    ("i9-9900K-64Gb-2x1024NVMe", "i9-9900K", 64),
    ("E5-2650v2-128Gb-4x2000HDD", "E5-2650v2", 128),
    ("EPYC-7302-256Gb-2x1920SSD", "EPYC 7302", 256),
];

const TEMPLATES: [(u64, &str, &[&str]); 4] = [
    (1, "Ubuntu 22.04", &["linux"]),
    (2, "Debian 12", &["linux"]),
    (3, "AlmaLinux 9", &["linux"]),
    (4, "Windows 2022", &["windows"]),
];

/// The e-mail of the seeded client user, owner of 30% of the servers.
pub const CLIENT_EMAIL: &str = "client@example.com";

/// One server: its JSON value (for `where`/`orderby`) and its serialized form.
pub struct ServerRec {
    pub id: u64,
    pub owner: Option<String>,
    pub value: Value,
    pub json: Box<[u8]>,
}

pub struct Inventory {
    pub servers: Vec<ServerRec>,
    /// `{"list":[...all servers...]}`, the admin's unfiltered list.
    pub full_list: Arc<[u8]>,
    /// `{"list":[{"configuration":..,"free_server_count":..},...]}`.
    pub configurations: Arc<[u8]>,
}

fn owner_of(id: u64) -> Option<String> {
    match id % 10 {
        0..=2 => Some(CLIENT_EMAIL.to_string()),
        3..=5 => Some(format!("owner{}@example.org", id % 4 + 1)),
        _ => None,
    }
}

/// The server with this id.
pub fn server_value(id: u64) -> Value {
    let (configuration, cpu, ram_gb) = CONFIGS[((id + 2) % 3) as usize];
    let (tpl_id, tpl_name, tags) = TEMPLATES[(id % 4) as usize];
    let owner = owner_of(id);
    let is_new = owner.is_none() && id % 4 == 0;
    let power_on = !(is_new || id % 9 == 4);
    let operation = if id % 17 == 5 {
        json!({
            "id": 100_000 + id,
            "status": "running",
            "status_info": "os_install",
            "progress_info": [],
        })
    } else {
        Value::Null
    };
    let (state, state_info) = if !operation.is_null() {
        ("setup", "os_install")
    } else if id % 31 == 7 {
        ("error", "ipmi_unavailable")
    } else if !power_on {
        ("off", "")
    } else {
        ("active", "")
    };
    let net = id / 200;
    let host = id % 200 + 10;
    let prefix = format!("10.{}.{}", net / 256 % 256, net % 256);
    let domain = format!("srv{id}.example.com");
    json!({
        "id": id,
        "domain": domain,
        "configuration": configuration,
        "settings": {"efi": id % 2 == 0},
        "operation": operation,
        "os_template": {"id": tpl_id, "name": tpl_name, "tags": tags},
        "hardware_info": {"cpu": cpu, "ram_gb": ram_gb},
        "state": state,
        "state_info": state_info,
        "ip": [{
            "id": id,
            "name": format!("{prefix}.{host}"),
            "domain": domain,
            "family": "ipv4",
            "gateway": format!("{prefix}.1"),
            "network": format!("{prefix}.0/24"),
            "status": "ok",
        }],
        "switch_connection": [{"switch_id": id % 8 + 1, "port": id % 48 + 1}],
        "pdu_connection": {"pdu_id": id % 4 + 1, "port": id % 24 + 1},
        "power_status": if power_on { "on" } else { "off" },
        "owner_email": owner,
        "is_new": is_new,
        "location_id": (id / 3) % 3 + 1,
        "barcode": format!("BC{id:08}"),
        "rack": {"name": format!("R{:02}", (id - 1) / 40 + 1)},
        "unit": (id - 1) % 40 + 1,
    })
}

impl Inventory {
    pub fn generate(count: usize) -> Self {
        let servers: Vec<ServerRec> = (1..=count as u64)
            .map(|id| {
                let value = server_value(id);
                let json = serde_json::to_vec(&value)
                    .expect("server JSON")
                    .into_boxed_slice();
                ServerRec {
                    id,
                    owner: owner_of(id),
                    value,
                    json,
                }
            })
            .collect();
        let mut full =
            Vec::with_capacity(servers.iter().map(|s| s.json.len() + 1).sum::<usize>() + 16);
        full.extend_from_slice(b"{\"list\":[");
        for (i, s) in servers.iter().enumerate() {
            if i > 0 {
                full.push(b',');
            }
            full.extend_from_slice(&s.json);
        }
        full.extend_from_slice(b"]}");
        let configs: Vec<Value> = CONFIGS
            .iter()
            .filter(|(name, ..)| servers.iter().any(|s| s.value["configuration"] == *name))
            .map(|(name, ..)| {
                let free = servers
                    .iter()
                    .filter(|s| s.owner.is_none() && s.value["configuration"] == *name)
                    .count();
                json!({"configuration": name, "free_server_count": free})
            })
            .collect();
        let configurations = serde_json::to_vec(&json!({ "list": configs })).expect("JSON");
        Inventory {
            servers,
            full_list: full.into(),
            configurations: configurations.into(),
        }
    }

    pub fn get(&self, id: u64) -> Option<&ServerRec> {
        let idx = usize::try_from(id.checked_sub(1)?).ok()?;
        self.servers.get(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_shape() {
        let inv = Inventory::generate(1000);
        assert_eq!(inv.servers.len(), 1000);
        let avg = inv.full_list.len() / 1000;
        assert!(
            (450..=700).contains(&avg),
            "average server JSON {avg} bytes"
        );
        let v: Value = serde_json::from_slice(&inv.full_list).unwrap();
        assert_eq!(v["list"].as_array().unwrap().len(), 1000);
        assert_eq!(inv.get(7).unwrap().value["id"], 7);
        assert!(inv.get(0).is_none() && inv.get(1001).is_none());
        let c: Value = serde_json::from_slice(&inv.configurations).unwrap();
        let total: u64 = c["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["free_server_count"].as_u64().unwrap())
            .sum();
        assert_eq!(
            total as usize,
            inv.servers.iter().filter(|s| s.owner.is_none()).count()
        );
        assert!(inv.servers.iter().any(|s| s.owner.is_none()
            && !s.value["is_new"].as_bool().unwrap()
            && s.value["location_id"] == 3));
    }
}

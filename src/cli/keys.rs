//! `skillmatch keys add|list|revoke`.

use skillmatch::auth::{KeyInfo, Role, Timestamp, append_key_expiring, list_keys, revoke_key};

use super::{KeysAddArgs, KeysListArgs, KeysRevokeArgs};

pub(super) fn add(args: &KeysAddArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role)
        .ok_or_else(|| anyhow::anyhow!("role must be read, write or admin"))?;
    let expires = args
        .expires
        .as_deref()
        .map(|raw| {
            Timestamp::parse(raw).ok_or_else(|| {
                anyhow::anyhow!("--expires must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
            })
        })
        .transpose()?;
    let key = append_key_expiring(&args.file, &args.tenant, role, expires)?;
    println!("{key}");
    eprintln!(
        "added a {} key for tenant {} to {}; the key is shown only this once",
        role.as_str(),
        args.tenant,
        args.file.display()
    );
    Ok(())
}

fn shown(moment: Option<Timestamp>, none: &str) -> String {
    moment.map_or_else(|| none.to_owned(), |moment| moment.to_string())
}

fn status(key: &KeyInfo, now: Timestamp) -> &'static str {
    if key.revoked.is_some() {
        "revoked"
    } else if key.expires.is_some_and(|expires| expires <= now) {
        "expired"
    } else {
        "active"
    }
}

pub(super) fn list(args: &KeysListArgs) -> anyhow::Result<()> {
    let keys = list_keys(&args.file)?;
    let now = Timestamp::now();
    if args.json {
        for key in &keys {
            let line = serde_json::json!({
                "id": key.id,
                "tenant": key.tenant,
                "role": key.role.as_str(),
                "status": status(key, now),
                "created": key.created.map(|moment| moment.to_string()),
                "expires": key.expires.map(|moment| moment.to_string()),
                "revoked": key.revoked.map(|moment| moment.to_string()),
                "last_used": key.last_used.map(|moment| moment.to_string()),
            });
            println!("{line}");
        }
        return Ok(());
    }
    println!(
        "{:<12}  {:<20}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}",
        "ID", "TENANT", "ROLE", "STATUS", "CREATED", "EXPIRES", "LAST USED"
    );
    for key in &keys {
        println!(
            "{:<12}  {:<20}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}",
            key.id,
            key.tenant,
            key.role.as_str(),
            status(key, now),
            shown(key.created, "-"),
            shown(key.expires, "never"),
            shown(key.last_used, "never"),
        );
    }
    Ok(())
}

pub(super) fn revoke(args: &KeysRevokeArgs) -> anyhow::Result<()> {
    let key = revoke_key(&args.file, &args.id)?;
    eprintln!(
        "revoked key {} ({} key of tenant {}) at {}",
        key.id,
        key.role.as_str(),
        key.tenant,
        shown(key.revoked, "-")
    );
    Ok(())
}

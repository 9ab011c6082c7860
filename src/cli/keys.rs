//! `skillmatch keys add`.

use skillmatch::auth::{Role, append_key};

use super::KeysAddArgs;

pub(super) fn add(args: &KeysAddArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role)
        .ok_or_else(|| anyhow::anyhow!("role must be read, write or admin"))?;
    let key = append_key(&args.file, &args.tenant, role)?;
    println!("{key}");
    eprintln!(
        "added a {} key for tenant {} to {}; the key is shown only this once",
        role.as_str(),
        args.tenant,
        args.file.display()
    );
    Ok(())
}

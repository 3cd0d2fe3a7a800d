// Roost's WebAuthn glue: the one script the account pages need. A button with
// data-trigger carries the identity service's options JSON in its value; the
// browser's credential goes back in the form's matching hidden field.
(function () {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  function decode(o) {
    const pk = o.publicKey || o;
    pk.challenge = unb64(pk.challenge);
    if (pk.user && pk.user.id) pk.user.id = unb64(pk.user.id);
    for (const list of [pk.allowCredentials, pk.excludeCredentials]) {
      (list || []).forEach((c) => { c.id = unb64(c.id); });
    }
    return { publicKey: pk };
  }
  function encode(cred) {
    const r = cred.response, out = { id: cred.id, rawId: b64(cred.rawId), type: cred.type, response: {} };
    for (const k of ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]) {
      if (r[k]) out.response[k] = b64(r[k]);
    }
    return JSON.stringify(out);
  }
  const FIELDS = { oryWebAuthnRegistration: "webauthn_register", oryWebAuthnLogin: "webauthn_login",
    oryPasskeySettingsRegistration: "passkey_settings_register", oryPasskeyRegistration: "passkey_register",
    oryPasskeyLogin: "passkey_login" };
  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button[data-trigger]");
    if (!btn) return;
    ev.preventDefault();
    const trigger = btn.dataset.trigger, options = decode(JSON.parse(btn.value));
    const cred = trigger.includes("Login") ? await navigator.credentials.get(options)
      : await navigator.credentials.create(options);
    const form = btn.form, name = FIELDS[trigger];
    let field = form.querySelector(`input[name="${name}"]`);
    if (!field) { field = document.createElement("input"); field.type = "hidden"; field.name = name; form.appendChild(field); }
    field.value = encode(cred);
    const method = document.createElement("input");
    method.type = "hidden"; method.name = "method"; method.value = trigger.includes("Passkey") ? "passkey" : "webauthn";
    form.appendChild(method);
    form.submit();
  });
})();

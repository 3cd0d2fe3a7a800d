// Roost's WebAuthn glue, the one script the account pages need (everything else
// works without JavaScript). A button with data-trigger starts the ceremony; its
// options come from the button's value or the group's hidden options field, and
// the browser's answer goes back in the form's answer field, then the form is sent.
(function () {
  "use strict";
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")),
    (c) => c.charCodeAt(0));
  // trigger -> [field holding the options (or the button itself), answer field, method]
  const TRIGGERS = {
    oryWebAuthnRegistration: [null, "webauthn_register", "webauthn"],
    oryWebAuthnLogin: [null, "webauthn_login", "webauthn"],
    oryPasskeySettingsRegistration: ["passkey_create_data", "passkey_settings_register", "passkey"],
    oryPasskeyRegistration: ["passkey_create_data", "passkey_register", "passkey"],
    oryPasskeyLogin: ["passkey_challenge", "passkey_login", "passkey"],
  };
  function decode(text) {
    const o = JSON.parse(text), pk = o.publicKey || o;
    pk.challenge = unb64(pk.challenge);
    if (pk.user && pk.user.id) pk.user.id = unb64(pk.user.id);
    for (const list of [pk.allowCredentials, pk.excludeCredentials]) {
      (list || []).forEach((c) => { c.id = unb64(c.id); });
    }
    return { publicKey: pk };
  }
  function encode(cred) {
    const r = cred.response;
    const out = { id: cred.id, rawId: b64(cred.rawId), type: cred.type, response: {},
      clientExtensionResults: cred.getClientExtensionResults() };
    for (const k of ["clientDataJSON", "attestationObject", "authenticatorData", "signature",
      "userHandle"]) {
      if (r[k]) out.response[k] = b64(r[k]);
    }
    if (r.getTransports) out.response.transports = r.getTransports();
    return JSON.stringify(out);
  }
  function hidden(form, name) {
    let field = form.querySelector(`input[type="hidden"][name="${name}"]`);
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden"; field.name = name; form.appendChild(field);
    }
    return field;
  }
  async function ceremony(btn) {
    const spec = TRIGGERS[btn.dataset.trigger];
    if (!spec) return;
    const form = btn.form, source = spec[0] ? hidden(form, spec[0]).value : btn.value;
    const options = decode(source);
    const cred = spec[1].endsWith("_login") ? await navigator.credentials.get(options)
      : await navigator.credentials.create(options);
    hidden(form, spec[1]).value = encode(cred);
    hidden(form, "method").value = spec[2];
    form.submit();
  }
  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button[data-trigger]");
    if (!btn) return;
    ev.preventDefault();
    ceremony(btn).catch((err) => {
      const note = btn.form.querySelector(".webauthn-error") || document.createElement("p");
      note.className = "msg msg-error webauthn-error"; note.setAttribute("role", "alert");
      note.textContent = "The security key or passkey did not answer: " + err.message;
      btn.form.appendChild(note);
    });
  });
})();

// Roost's WebAuthn and passkey glue for Kratos-style UI nodes (/.well-known/ory/webauthn.js).
// It defines the functions the nodes' onclickTrigger/onloadTrigger name; each reads the
// ceremony's options from the flow's form, runs the browser's WebAuthn call and posts the
// form with the answer in the node the server reads.
;(function (w) {
  "use strict"
  if (!w || w.__oryWebAuthnInitialized) return

  var b64 = {
    toBytes: function (text) {
      var plain = String(text).replace(/-/g, "+").replace(/_/g, "/")
      while (plain.length % 4) plain += "="
      var raw = w.atob(plain)
      var out = new Uint8Array(raw.length)
      for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
      return out
    },
    fromBytes: function (buffer) {
      if (!buffer) return ""
      var bytes = new Uint8Array(buffer)
      var raw = ""
      for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i])
      return w.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
    },
  }

  function field(name) {
    return w.document.querySelector('[name="' + name + '"]')
  }

  function supported() {
    if (w.PublicKeyCredential) return true
    console.log("[roost] this browser has no WebAuthn")
    return false
  }

  function options(given, sourceName) {
    if (given) return given
    var source = field(sourceName)
    if (!source || !source.value) throw new Error("[roost] no WebAuthn options in " + sourceName)
    return JSON.parse(source.value)
  }

  function decodeIds(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: b64.toBytes(c.id) })
    })
  }

  function forCreate(opt) {
    var pk = opt.publicKey
    pk.challenge = b64.toBytes(pk.challenge)
    pk.user.id = b64.toBytes(pk.user.id)
    if (pk.excludeCredentials) pk.excludeCredentials = decodeIds(pk.excludeCredentials)
    return opt
  }

  function forGet(opt) {
    var pk = opt.publicKey
    pk.challenge = b64.toBytes(pk.challenge)
    if (pk.allowCredentials) pk.allowCredentials = decodeIds(pk.allowCredentials)
    return opt
  }

  function attestation(c) {
    return JSON.stringify({
      id: c.id,
      rawId: b64.fromBytes(c.rawId),
      type: c.type,
      response: {
        attestationObject: b64.fromBytes(c.response.attestationObject),
        clientDataJSON: b64.fromBytes(c.response.clientDataJSON),
      },
    })
  }

  function assertion(c) {
    return JSON.stringify({
      id: c.id,
      rawId: b64.fromBytes(c.rawId),
      type: c.type,
      response: {
        authenticatorData: b64.fromBytes(c.response.authenticatorData),
        clientDataJSON: b64.fromBytes(c.response.clientDataJSON),
        signature: b64.fromBytes(c.response.signature),
        userHandle: b64.fromBytes(c.response.userHandle),
      },
    })
  }

  function submitWith(resultName, value) {
    var result = field(resultName)
    if (!result) throw new Error("[roost] no form field " + resultName)
    result.value = value
    var form = result.closest("form")
    if (form) form.submit()
  }

  function stopAutocomplete() {
    if (w.abortPasskeyConditionalUI) {
      w.abortPasskeyConditionalUI.abort("a passkey sign-in was started")
      w.abortPasskeyConditionalUI = undefined
    }
  }

  function report(err) {
    console.error("[roost] WebAuthn failed", err)
  }

  function webAuthnRegistration(given) {
    if (!supported()) return
    var opt = forCreate(options(given, "webauthn_register_trigger"))
    w.navigator.credentials
      .create(opt)
      .then(function (c) { submitWith("webauthn_register", attestation(c)) })
      .catch(report)
  }

  function webAuthnLogin(given) {
    if (!supported()) return
    var opt = forGet(options(given, "webauthn_login_trigger"))
    w.navigator.credentials
      .get(opt)
      .then(function (c) { submitWith("webauthn_login", assertion(c)) })
      .catch(report)
  }

  function passkeyLogin() {
    if (!supported() || !field("passkey_login")) return
    stopAutocomplete()
    var opt = forGet(options(null, "passkey_challenge"))
    w.navigator.credentials
      .get({ publicKey: opt.publicKey })
      .then(function (c) { submitWith("passkey_login", assertion(c)) })
      .catch(function (err) {
        report(err)
        return passkeyLoginAutocompleteInit()
      })
  }

  function passkeyLoginAutocompleteInit() {
    var pkc = w.PublicKeyCredential
    if (!pkc || !pkc.isConditionalMediationAvailable || !field("passkey_login")) {
      return Promise.resolve()
    }
    return pkc.isConditionalMediationAvailable().then(function (available) {
      if (!available || !field("passkey_challenge")) return
      stopAutocomplete()
      var opt = forGet(options(null, "passkey_challenge"))
      var abort = new AbortController()
      w.abortPasskeyConditionalUI = abort
      return w.navigator.credentials
        .get({ publicKey: opt.publicKey, mediation: "conditional", signal: abort.signal })
        .then(function (c) { submitWith("passkey_login", assertion(c)) })
        .catch(function (err) { console.log("[roost] passkey autocomplete ended", err) })
    })
  }

  function passkeyCreate(resultName) {
    if (!supported()) return
    var data = options(null, "passkey_create_data")
    var opt = data.credentialOptions || data
    if (data.displayNameFieldName) {
      var named = field(data.displayNameFieldName)
      if (named && named.value) {
        opt.publicKey.user.name = named.value
        opt.publicKey.user.displayName = named.value
      }
    }
    w.navigator.credentials
      .create(forCreate(opt))
      .then(function (c) { submitWith(resultName, attestation(c)) })
      .catch(report)
  }

  function passkeyRegistration() {
    passkeyCreate("passkey_register")
  }

  function passkeySettingsRegistration() {
    passkeyCreate("passkey_settings_register")
  }

  var triggers = {
    oryWebAuthnRegistration: webAuthnRegistration,
    oryWebAuthnLogin: webAuthnLogin,
    oryPasskeyLogin: passkeyLogin,
    oryPasskeyLoginAutocompleteInit: passkeyLoginAutocompleteInit,
    oryPasskeyRegistration: passkeyRegistration,
    oryPasskeySettingsRegistration: passkeySettingsRegistration,
  }
  Object.keys(triggers).forEach(function (name) {
    w[name] = triggers[name]
    w["__" + name] = triggers[name] // the names older UIs call
  })
  w.__oryWebAuthnInitialized = true
})(typeof window === "undefined" ? undefined : window)

"""Contact State: claim and read Certify certificates, deliver leads through Connect, report sales to Perform.

Three products on four https hosts, all under ``contactstate.com``:

* **Certify** — ``claim`` / ``reclaim`` POST ``{"secret_key": …}`` to a claim URL and get back the certificate
  URL; ``certificate`` reads the public ``<cert_url>.json`` (no key is sent anywhere).
* **Connect** (``connect.contactstate.com``, Bearer API key) — create, read and delete leads.
* **Perform** (``perform.contactstate.com``) — push a CRM sales status (secret key in the JSON body), read a
  lead's sales stats and run the bulk spreadsheet export (Bearer API key).

Flags (the only operations that judge anything):

* ``cert``: status ``certified`` -> green; ``claimed`` (not scored yet; scoring usually takes a minute) ->
  yellow; any other status -> yellow naming the status; HTTP 404 or a "not found" answer -> red.
* ``claim`` / ``reclaim``: the certificate was claimed for this buyer -> green (the buyer now holds it; its
  score is read with ``certificate`` later). The returned certificate URL must be a contactstate.com https
  URL, otherwise the answer is ``bad_response``.
* Connect and Perform operations judge nothing: flag None and a plain summary; a failed call has an error.

Retries, and why:

* GETs and DELETEs are idempotent: retried on timeouts, network trouble and 500/502/503/504.
* Claims are **not** retried after a timeout or a dropped connection: the claim may have gone through, and a
  claim must happen within 30 seconds of generation, so a late second claim would only fail confusingly.
  They are retried once, quickly, on 502/503 (the request never reached Contact State's application).
  A 500 is Certify's documented error answer and is shown, not retried.
* Lead creation is never retried after a timeout (it could create a duplicate lead); only on 503
  (maintenance) and, through :class:`VendorHttp`, on 429 after waiting for ``RateLimit-Reset``.
* A sales-status push sets values, so resending it is harmless: retried on timeouts and 502/503/504, not on
  Perform's documented 500 error answer. Starting an export may be retried (at worst two spreadsheets).

Rate limits: Connect allows 60 requests a minute and 10 lead creations a minute; :class:`ContactStateLimits`
holds one limiter for each, shared by every Bearer call (Connect and Perform). A 429 that outlasts the
waiting in :class:`VendorHttp` comes back as ``rate_limited`` with the reset time.

``delete_leads`` takes at most 25 IDs (the documented maximum per request); more is refused with InputError
rather than silently split, so one result always stands for one request.
"""

/* Sign-in security page: after django-otp-webauthn's script registers a passkey, show the page
 * again so the new passkey is listed (the script itself only says it worked). */
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.reload();
  });
})();

// A self-signed TLS certificate for the fakes' HTTPS (GitHub's, for clients such as `gh`
// that speak only HTTPS to a GitHub Enterprise host): an ECDSA P-256 key and a
// certificate for 127.0.0.1, ::1 and localhost, valid for 30 days, written as PEM
// (key file mode 0600). Clients trust it by its file (curl --cacert, SSL_CERT_FILE).
#pragma once

#include <string>

#include "failover/result.h"

namespace failsim::fakes {

struct TlsFiles {
  std::string cert_path;
  std::string key_path;
};

// Creates `dir` if needed and writes dir/cert.pem and dir/key.pem.
Result<TlsFiles> write_self_signed_cert(const std::string& dir);

}  // namespace failsim::fakes

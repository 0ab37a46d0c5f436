#include "fakes/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <sys/stat.h>

namespace failsim::fakes {
namespace {

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

Result<TlsFiles> write_self_signed_cert(const std::string& dir) {
  using R = Result<TlsFiles>;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return R::error(dir + ": " + ec.message());
  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  Owned<X509, X509_free> cert(X509_new());
  if (!key || !cert) return R::error("cannot create a TLS key (OpenSSL)");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("failsim fake GitHub"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!add_extension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth")) {
    return R::error("cannot build the TLS certificate (OpenSSL)");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return R::error("cannot sign the TLS certificate (OpenSSL)");
  const TlsFiles files{(std::filesystem::path(dir) / "cert.pem").string(), (std::filesystem::path(dir) / "key.pem").string()};
  {
    const mode_t old = ::umask(077);
    FILE* f = std::fopen(files.key_path.c_str(), "w");
    ::umask(old);
    if (f == nullptr) return R::error(files.key_path + ": cannot write");
    const bool ok = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    if (!ok) return R::error(files.key_path + ": cannot write the key");
  }
  FILE* f = std::fopen(files.cert_path.c_str(), "w");
  if (f == nullptr) return R::error(files.cert_path + ": cannot write");
  const bool ok = PEM_write_X509(f, cert.get()) == 1;
  std::fclose(f);
  if (!ok) return R::error(files.cert_path + ": cannot write the certificate");
  return R::ok(files);
}

}  // namespace failsim::fakes

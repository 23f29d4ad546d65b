/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Properties shared by mikeyenc and mikeydec: mode, psk, psk-file, suite,
 * the public-key material (cert, key, key-passphrase, ca-file, crl-file,
 * peer-cert),
 * dh-group, sign, id, peer-id, the negotiation lists modes / suites, and
 * allow-weak-psk.
 *
 * The elements keep a GstMikeySettings under their lock and turn it into
 * a GstMikeyConfig (gstmikeyconfig.h) when they start. The psk and
 * key-passphrase strings are wiped when replaced and never logged.
 */
#pragma once

#include <gst/gst.h>
#include "mikey-exchange.h"
#include "mikey-suite.h"
#include "mikey-pk.h"
#include "mikey-credentials.h"

G_BEGIN_DECLS

#define GST_MIKEY_DEFAULT_PORT 2269
#define GST_MIKEY_DEFAULT_SUITE "AES_CM_128_HMAC_SHA1_80"
#define GST_MIKEY_DEFAULT_MAX_HELD 256
/* RFC 3830 9.2 asks for keys as strong as the keys they protect: a psk
 * shorter than this is refused unless allow-weak-psk=true */
#define GST_MIKEY_MIN_PSK_LEN 16

/**
 * GstMikeyMode:
 * @GST_MIKEY_MODE_NULL: MIKEY-NULL: keys travel unprotected; only for a
 *   signalling channel that is already secure (RTSPS, SIP over TLS)
 * @GST_MIKEY_MODE_PSK: MIKEY-PSK (RFC 3830 3.1): keys encrypted and
 *   authenticated with a pre-shared key
 * @GST_MIKEY_MODE_PKE: public-key envelope (RFC 3830 3.2): keys encrypted
 *   to the receiver's RSA certificate, signed by the sender
 * @GST_MIKEY_MODE_DH: signed Diffie-Hellman (RFC 3830 3.3): both sides sign
 *   with their certificates; perfect forward secrecy
 * @GST_MIKEY_MODE_DHHMAC: HMAC-authenticated Diffie-Hellman (RFC 4650),
 *   keyed from a pre-shared key; perfect forward secrecy without a PKI
 *
 * The key management method. Values are those of the core's MikeyMode and
 * stay stable (null 0, psk 1, pke 2, dh 3, dhhmac 4).
 */
typedef enum
{
  GST_MIKEY_MODE_NULL = MIKEY_MODE_NULL,
  GST_MIKEY_MODE_PSK = MIKEY_MODE_PSK,
  GST_MIKEY_MODE_PKE = MIKEY_MODE_PKE,
  GST_MIKEY_MODE_DH = MIKEY_MODE_DH,
  GST_MIKEY_MODE_DHHMAC = MIKEY_MODE_DHHMAC,
} GstMikeyMode;

/* Registers enum @name with @values once; for get_type functions, with
 * their static @type */
GType gst_mikey_enum_register (GType * type, const gchar * name,
    const GEnumValue * values);

#define GST_TYPE_MIKEY_MODE (gst_mikey_mode_get_type ())
GType gst_mikey_mode_get_type (void);

/**
 * GstMikeyDhGroup:
 * @GST_MIKEY_DH_GROUP_1: OAKLEY group 1, 768-bit MODP (weak; interop only)
 * @GST_MIKEY_DH_GROUP_2: OAKLEY group 2, 1024-bit MODP
 * @GST_MIKEY_DH_GROUP_5: OAKLEY group 5, 1536-bit MODP
 *
 * Diffie-Hellman group of modes dh and dhhmac, by its OAKLEY number.
 */
typedef enum
{
  GST_MIKEY_DH_GROUP_1 = 1,
  GST_MIKEY_DH_GROUP_2 = 2,
  GST_MIKEY_DH_GROUP_5 = 5,
} GstMikeyDhGroup;

#define GST_TYPE_MIKEY_DH_GROUP (gst_mikey_dh_group_get_type ())
GType gst_mikey_dh_group_get_type (void);

/**
 * GstMikeySign:
 * @GST_MIKEY_SIGN_PKCS1: RSASSA-PKCS1-v1_5 (RFC 3830 S type 0)
 * @GST_MIKEY_SIGN_PSS: RSASSA-PSS (RFC 3830 S type 1)
 *
 * Signature scheme of the SIGN payloads (modes pke and dh).
 */
typedef enum
{
  GST_MIKEY_SIGN_PKCS1 = MIKEY_SIGN_RSA_PKCS1_1_5,
  GST_MIKEY_SIGN_PSS = MIKEY_SIGN_RSA_PSS,
} GstMikeySign;

#define GST_TYPE_MIKEY_SIGN (gst_mikey_sign_get_type ())
GType gst_mikey_sign_get_type (void);

#define GST_MIKEY_DEFAULT_DH_GROUP GST_MIKEY_DH_GROUP_5
#define GST_MIKEY_DEFAULT_SIGN GST_MIKEY_SIGN_PKCS1

typedef struct
{
  GstMikeyMode mode;
  gchar *psk;                   /* hex as set, wiped on replace */
  gchar *psk_file;
  gchar *suite;
  gchar *cert;                  /* PEM file: our chain, leaf first */
  gchar *key;                   /* PEM file: our private key */
  gchar *key_passphrase;        /* wiped on replace */
  gchar *ca_file;               /* PEM bundle or directory */
  gchar *crl_file;              /* PEM CRLs of ca-file's CAs */
  gchar *peer_cert;             /* PEM file: the peer's certificate */
  GstMikeyDhGroup dh_group;
  GstMikeySign sign;
  gchar *id;
  gchar *peer_id;
  gchar *modes;                 /* comma-separated, best first */
  gchar *suites;
  gboolean allow_weak_psk;      /* a psk under 16 bytes: insecure */
} GstMikeySettings;

/* Property ids are first_id, first_id + 1, ... in this order */
enum
{
  GST_MIKEY_PROP_MODE,
  GST_MIKEY_PROP_PSK,
  GST_MIKEY_PROP_PSK_FILE,
  GST_MIKEY_PROP_SUITE,
  GST_MIKEY_PROP_CERT,
  GST_MIKEY_PROP_KEY,
  GST_MIKEY_PROP_KEY_PASSPHRASE,
  GST_MIKEY_PROP_CA_FILE,
  GST_MIKEY_PROP_CRL_FILE,
  GST_MIKEY_PROP_PEER_CERT,
  GST_MIKEY_PROP_DH_GROUP,
  GST_MIKEY_PROP_SIGN,
  GST_MIKEY_PROP_ID,
  GST_MIKEY_PROP_PEER_ID,
  GST_MIKEY_PROP_MODES,
  GST_MIKEY_PROP_SUITES,
  GST_MIKEY_PROP_ALLOW_WEAK_PSK,
  GST_MIKEY_N_PROPS
};

void gst_mikey_settings_init (GstMikeySettings * settings,
    GstMikeyMode default_mode);
void gst_mikey_settings_clear (GstMikeySettings * settings);

/* Installs the shared properties. @receiver changes the texts. */
void gst_mikey_settings_install_properties (GObjectClass * klass,
    guint first_id, GstMikeyMode default_mode, gboolean receiver);
/* TRUE when @prop_id was one of ours. Call with the element lock held. */
gboolean gst_mikey_settings_set_property (GstMikeySettings * settings,
    guint first_id, guint prop_id, const GValue * value);
gboolean gst_mikey_settings_get_property (GstMikeySettings * settings,
    guint first_id, guint prop_id, GValue * value);


/* Overwrites the memory of every GstBuffer of @bufs with zeros (when it can
 * be mapped for writing) and drops the references. Used for the key buffers
 * the elements handed to srtpenc / srtpdec, once those are stopped. */
void gst_mikey_wipe_buffers (GPtrArray * bufs);
/* Adds a reference to each key buffer of @s (srtp-key, srtp-key2, ...)
 * to @bufs, for gst_mikey_wipe_buffers(). */
void gst_mikey_collect_key_buffers (const GstStructure * s, GPtrArray * bufs);

G_END_DECLS

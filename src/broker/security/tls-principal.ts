/**
 * A client certificate's subject as Kafka's default principal builder names it: the DN in RFC 2253 form, most specific
 * RDN first (`CN=web-1,OU=ops,O=acme`), which ACLs then match as `User:CN=web-1,OU=ops,O=acme`.
 *
 * Node's X509Certificate.subject is OpenSSL's multi-line form: one RDN per line in certificate order (least specific
 * first), values already escaped as RFC 2253 asks, multi-valued RDNs joined by " + ". RFC 2253 reverses the order and
 * joins with commas. Attribute names are OpenSSL's short names, the same as Java's for the usual ones (CN, OU, O, L,
 * ST, C, DC, UID, STREET); rarer attributes (emailAddress) Java would print as an OID.
 */
export function principalOfSubject(subject: string): string {
  return subject
    .split('\n')
    .filter((rdn) => rdn !== '')
    .reverse()
    .map((rdn) => rdn.replace(/(?<!\\) \+ /g, '+'))
    .join(',');
}

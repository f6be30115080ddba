// sha256.c: SHA-256 as specified in FIPS 180-4, for sha256sum and for the
// tests that compare data sent through pipes and files. Pure code, checked
// by the host unit tests against the standard's test vectors.
#include "user.h"

// First 32 bits of the fractional parts of the cube roots of the first
// 64 primes (FIPS 180-4, section 4.2.2).
static const uint32 K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32
ror(uint32 x, int n)
{
  return (x >> n) | (x << (32 - n));
}

// Mixes one 64-byte block into the state.
static void
compress(uint32 h[8], const uint8 *p)
{
  uint32 w[64];
  uint32 a, b, c, d, e, f, g, k;
  int i;

  for(i = 0; i < 16; i++)
    w[i] = (uint32)p[4*i] << 24 | (uint32)p[4*i+1] << 16 | (uint32)p[4*i+2] << 8 | p[4*i+3];
  for(i = 16; i < 64; i++){
    uint32 s0 = ror(w[i-15], 7) ^ ror(w[i-15], 18) ^ (w[i-15] >> 3);
    uint32 s1 = ror(w[i-2], 17) ^ ror(w[i-2], 19) ^ (w[i-2] >> 10);
    w[i] = w[i-16] + s0 + w[i-7] + s1;
  }

  a = h[0]; b = h[1]; c = h[2]; d = h[3];
  e = h[4]; f = h[5]; g = h[6]; k = h[7];
  for(i = 0; i < 64; i++){
    uint32 S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
    uint32 ch = (e & f) ^ (~e & g);
    uint32 t1 = k + S1 + ch + K[i] + w[i];
    uint32 S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
    uint32 maj = (a & b) ^ (a & c) ^ (b & c);
    uint32 t2 = S0 + maj;
    k = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void
sha256_init(struct sha256 *c)
{
  // first 32 bits of the fractional parts of the square roots of the
  // first 8 primes (section 5.3.3)
  static const uint32 iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  };
  for(int i = 0; i < 8; i++)
    c->h[i] = iv[i];
  c->len = 0;
  c->used = 0;
}

void
sha256_update(struct sha256 *c, const void *data, uint64 n)
{
  const uint8 *p = data;

  c->len += n;
  if(c->used > 0){
    // top up the partial block first
    uint64 room = 64 - (uint64)c->used;
    uint64 take = room < n ? room : n;
    memcpy(c->block + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if(c->used < 64)
      return;
    compress(c->h, c->block);
    c->used = 0;
  }
  for(; n >= 64; n -= 64, p += 64)
    compress(c->h, p);
  if(n > 0){
    memcpy(c->block, p, n);
    c->used = n;
  }
}

void
sha256_final(struct sha256 *c, uint8 digest[32])
{
  uint64 bits = c->len * 8;
  int i;

  // padding: a 1 bit, zeros up to 56 mod 64, then the length (big endian)
  c->block[c->used++] = 0x80;
  if(c->used > 56){
    memset(c->block + c->used, 0, 64 - c->used);
    compress(c->h, c->block);
    c->used = 0;
  }
  memset(c->block + c->used, 0, 56 - c->used);
  for(i = 0; i < 8; i++)
    c->block[56 + i] = bits >> (56 - 8 * i);
  compress(c->h, c->block);

  for(i = 0; i < 32; i++)
    digest[i] = c->h[i / 4] >> (24 - 8 * (i % 4));
}

void
sha256_hex(const uint8 digest[32], char out[65])
{
  static const char hex[] = "0123456789abcdef";
  for(int i = 0; i < 32; i++){
    out[2*i] = hex[digest[i] >> 4];
    out[2*i+1] = hex[digest[i] & 15];
  }
  out[64] = 0;
}

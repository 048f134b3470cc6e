// Single-thread AVX2 FMA throughput (10 independent accumulators): the machine ceiling.
//   cc -O2 -mavx2 -mfma fma_peak.c -o fma_peak && ./fma_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
int main(){ __m256 a[10]; for(int i=0;i<10;i++)a[i]=_mm256_set1_ps(i*0.001f); __m256 b=_mm256_set1_ps(0.9999f),c=_mm256_set1_ps(0.0001f);
 struct timespec t0,t1; clock_gettime(CLOCK_MONOTONIC,&t0); long N=100000000;
 for(long i=0;i<N;i++){ for(int j=0;j<10;j++) a[j]=_mm256_fmadd_ps(a[j],b,c);} clock_gettime(CLOCK_MONOTONIC,&t1);
 double t=(t1.tv_sec-t0.tv_sec)+(t1.tv_nsec-t0.tv_nsec)*1e-9; float s=0; for(int j=0;j<10;j++){float o[8];_mm256_storeu_ps(o,a[j]);s+=o[0];}
 printf("%.1f GFLOP/s single thread (%f)\n", N*10*16/t/1e9, s);}

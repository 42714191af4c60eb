# Shared helpers of the benchmarks (sourced; bench/run.sh does not run this file).

# median_ratio "A1 A2 ..." "B1 B2 ...": the median over the rounds of A_i / B_i, two decimals, or
# "-" without rounds. On a noisy machine the two times of one round share the noise of their
# moment, so this is steadier than a ratio of two best times.
median_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN{n=split(a,x," "); split(b,y," ");
        for(i=1;i<=n;i++) r[i]=x[i]/y[i];
        for(i=1;i<=n;i++) for(j=i+1;j<=n;j++) if(r[j]<r[i]){t=r[i];r[i]=r[j];r[j]=t}
        if(n==0) print "-"; else if(n%2) printf "%.2f", r[(n+1)/2]; else printf "%.2f", (r[n/2]+r[n/2+1])/2}'
}
